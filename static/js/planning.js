// Copy buttons and email links for notes the student may edit first (the thank-you and
// follow-up drafts): both use the text as it is in the box, not as the page was served.
// Without JavaScript the copy button stays hidden, the text can be copied by hand, and the
// email link carries the saved draft.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy-from]").forEach((button) => {
    const source = document.getElementById(button.dataset.copyFrom);
    const status = document.getElementById(button.dataset.copyStatus || "");
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        if (status) status.textContent = "Copied: paste it into your email or LinkedIn message.";
      } catch (e) {
        source.focus();
        source.select();
        if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
      }
    });
  });
  document.querySelectorAll("[data-mailto-from]").forEach((link) => {
    const source = document.getElementById(link.dataset.mailtoFrom);
    if (!source) return;
    const update = () => {
      const to = encodeURIComponent(link.dataset.mailtoTo || "").replace("%40", "@");
      const subject = encodeURIComponent(link.dataset.mailtoSubject || "");
      link.href = `mailto:${to}?subject=${subject}&body=${encodeURIComponent(source.value)}`;
    };
    source.addEventListener("input", update);
    update();
  });
  // An edited note not yet saved is not lost by leaving the page unawares.
  const noteForm = document.getElementById("note-form");
  const note = noteForm && noteForm.querySelector("textarea[name=text]");
  if (note) {
    let saved = note.value;
    let leaving = false;
    let timer = null;
    const status = document.getElementById(note.id.replace(/-text$/, "-saved"));
    // Saved as the student types, as the "Save draft" button would (that button stays the
    // way without JavaScript).
    const autosave = async () => {
      const text = note.value;
      if (text === saved) return;
      const data = new FormData(noteForm);
      data.set("action", "save_draft");
      try {
        // Not noteForm.action: the form's buttons are named "action" and shadow it.
        const url = new URL(noteForm.getAttribute("action") || "", window.location.href);
        url.hash = "";
        const response = await fetch(url, {
          method: "POST", body: data, headers: { "X-Autosave": "note" }, credentials: "same-origin",
        });
        if (!response.ok) throw new Error(await response.text());
        saved = text;
        if (status) status.textContent = `Draft saved at ${new Date().toTimeString().slice(0, 5)}.`;
      } catch (e) {
        if (status) status.textContent = "Not saved yet: use “Save draft”.";
      }
    };
    note.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(autosave, 1500);
    });
    noteForm.addEventListener("submit", () => {
      clearTimeout(timer);
      leaving = true;
    });
    window.addEventListener("beforeunload", (event) => {
      if (!leaving && note.value !== saved) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }
});
