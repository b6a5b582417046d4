// The grading page's comment bank: "Save this comment to my bank" under each comment box, and
// "Insert" of a saved comment into the box the grader was last writing in (at the caret).
// Without JavaScript both buttons post the whole form and the server does the same.
(() => {
  "use strict";

  const Rapport = (window.Rapport = window.Rapport || {});
  const Grading = (Rapport.Grading = Rapport.Grading || {});

  function postForm(url, form, fields) {
    const data = new FormData();
    data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    Object.entries(fields).forEach(([name, value]) => data.set(name, value));
    return fetch(url, {
      method: "POST", body: data, headers: { Accept: "application/json" },
      credentials: "same-origin", redirect: "manual",
    });
  }

  function addOption(select, comment) {
    if ([...select.options].some((o) => o.value === String(comment.id))) return;
    const label = comment.text.length > 90 ? `${comment.text.slice(0, 89)}…` : comment.text;
    const option = new Option(label, comment.id);
    option.dataset.text = comment.text;
    select.add(option);
  }

  async function addToBank(form, box, select, say) {
    const text = String((box && box.value) || "").replace(/\r\n/g, "\n").trim();
    if (!text) {
      say("That comment box is empty: nothing to add to your bank.", "error");
      return;
    }
    try {
      const response = await postForm(form.dataset.bankUrl, form, { text });
      if (!response.ok) throw new Error(String(response.status));
      addOption(select, await response.json());
      say("Added to your comment bank.", "saved");
    } catch (e) {
      say("Not added to your comment bank: the connection failed. Your comment is kept.", "error");
    }
  }

  // ``text`` into ``target``: at the caret when the grader was writing there, else appended.
  function insertText(target, text, wasWritingThere) {
    if (wasWritingThere && target.selectionStart < target.value.length) {
      const at = target.selectionStart;
      target.value = target.value.slice(0, at) + text + target.value.slice(target.selectionEnd);
    } else {
      target.value = target.value.trim() ? `${target.value.trimEnd()}\n\n${text}` : text;
    }
    target.dispatchEvent(new Event("input", { bubbles: true })); // saved like typing
    target.focus();
  }

  function insertSaved(form, select, lastComment, say) {
    const option = select.selectedOptions[0];
    if (!option || !option.value) {
      say("Choose a saved comment to insert first.", "error");
      select.focus();
      return;
    }
    const target = form.elements[form.elements.insert_into.value];
    insertText(target, option.dataset.text || option.textContent, target === lastComment);
    const url = form.dataset.useUrlTemplate.replace("/0/use/", `/${option.value}/use/`);
    postForm(url, form, {}).catch(() => {}); // counts the use; nothing to tell if it fails
  }

  Grading.commentBank = (form, say) => {
    const select = document.getElementById("id_insert_saved");
    const insertInto = form.elements.insert_into;
    let lastComment = null; // the comment box last written in
    form.addEventListener("input", (event) => {
      if (event.target.tagName === "TEXTAREA") lastComment = event.target;
    });
    form.addEventListener("focusin", (event) => {
      const target = event.target;
      if (target.tagName !== "TEXTAREA") return;
      lastComment = target;
      if ([...insertInto.options].some((o) => o.value === target.name)) insertInto.value = target.name;
    });
    form.querySelectorAll("[data-bank-from]").forEach((button) => {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        addToBank(form, form.elements[button.dataset.bankFrom], select, say);
      });
    });
    form.querySelector("[data-insert]").addEventListener("click", (event) => {
      event.preventDefault();
      insertSaved(form, select, lastComment, say);
    });
  };
})();
