// Autosave for the write-up form. The page works without this file (every button posts the
// whole form); with it, typing is saved about 1.5 s after the last keystroke, and nothing the
// student typed is ever thrown away:
// - a copy lives in localStorage until the server confirms the save, and is offered back on
//   load if it differs from the saved draft;
// - a conflict (the draft changed in another tab: HTTP 409) stops autosaving and leaves the
//   textareas alone;
// - a failed save says so and is retried on the next keystroke.
(() => {
  "use strict";

  const DELAY_MS = 1500;
  const NETWORK_ERROR = "Not saved — check your connection. Your text is still here.";
  const SIGNED_OUT =
    "Not saved — you seem to be signed out. Sign in again in another tab, then type here " +
    "to save. Your text is still here.";

  function countWords(text) {
    const trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  function textOf(html) {
    return new DOMParser().parseFromString(html, "text/html").body.textContent.trim();
  }

  function start(form) {
    const statusBox = document.getElementById("autosave-status");
    const revision = form.querySelector("input[name=revision]");
    const textareas = () => [...form.querySelectorAll("textarea")];
    const storageKey = `rapport:${form.dataset.autosaveKey}`;

    let timer = null;
    let inFlight = false;
    let dirty = false; // typed since the last successful save
    let stopped = false; // after a conflict: no more saves until the page is reloaded
    let pendingSubmitter = null; // a button pressed while a save was under way
    let leaving = false;

    function say(text, state) {
      statusBox.textContent = text;
      statusBox.dataset.state = state;
    }

    function snapshot() {
      return Object.fromEntries(textareas().map((t) => [t.name, t.value]));
    }

    function sameText(a, b) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      return [...keys].every((k) => (a[k] || "").replace(/\r\n/g, "\n").trim() ===
        (b[k] || "").replace(/\r\n/g, "\n").trim());
    }

    function keepCopy() {
      try {
        localStorage.setItem(storageKey, JSON.stringify({ fields: snapshot(), at: Date.now() }));
      } catch (e) {
        // Storage full or disabled: the server save still runs.
      }
    }

    function readCopy() {
      try {
        return JSON.parse(localStorage.getItem(storageKey) || "null");
      } catch (e) {
        return null;
      }
    }

    function dropCopy() {
      try {
        localStorage.removeItem(storageKey);
      } catch (e) {
        // Nothing to do.
      }
    }

    const words = document.querySelector("#writeup-words [data-word-count]");
    const needed = document.querySelector("#writeup-words [data-words-needed]");
    const minWords = Number(document.getElementById("writeup-words")?.dataset.minWords || 0);

    function showWordCount() {
      if (!words) return;
      const n = textareas().reduce((sum, t) => sum + countWords(t.value), 0);
      words.textContent = `${n} word${n === 1 ? "" : "s"}`;
      if (needed) {
        const missing = minWords - n;
        needed.textContent = ` of at least ${minWords}` + (missing > 0 ? ` — ${missing} more needed` : "");
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(save, DELAY_MS);
    }

    // A failed save is not retried on its own: the next keystroke tries again.
    function afterSave() {
      inFlight = false;
      if (pendingSubmitter) {
        const button = pendingSubmitter;
        pendingSubmitter = null;
        form.requestSubmit(button);
      }
    }

    async function save() {
      timer = null;
      if (stopped || !dirty || leaving) return;
      if (inFlight) {
        schedule(); // try again once the current save is done
        return;
      }
      inFlight = true;
      dirty = false;
      const sent = snapshot();
      const data = new FormData(form);
      data.delete("file");
      say("Saving…", "saving");
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: data,
          headers: { "HX-Request": "true" },
          credentials: "same-origin",
          redirect: "manual",
        });
        const newRevision = response.headers.get("X-Writeup-Revision");
        if (response.type === "opaqueredirect" || response.status === 403) {
          dirty = true;
          say(SIGNED_OUT, "error");
        } else if (response.status === 409) {
          stopped = true;
          dirty = true;
          say(textOf(await response.text()), "conflict");
        } else if (response.ok && newRevision !== null) {
          revision.value = newRevision;
          say(textOf(await response.text()), "saved");
          if (sameText(snapshot(), sent)) dropCopy();
        } else if (response.status === 400) {
          dirty = true;
          say(textOf(await response.text()), "error");
        } else {
          dirty = true;
          say(NETWORK_ERROR, "error");
        }
      } catch (e) {
        dirty = true;
        say(NETWORK_ERROR, "error");
      } finally {
        afterSave();
      }
    }

    form.addEventListener("input", (event) => {
      if (event.target.tagName !== "TEXTAREA") return;
      dirty = true;
      keepCopy();
      showWordCount();
      if (!stopped) schedule();
    });

    // Every button posts the whole form. If a save is under way, wait for it so the form
    // carries the new revision; then let the browser submit as usual.
    form.addEventListener("submit", (event) => {
      clearTimeout(timer);
      timer = null;
      if (inFlight) {
        event.preventDefault();
        pendingSubmitter = event.submitter || form.querySelector("button[type=submit]");
        return;
      }
      leaving = true;
    });

    window.addEventListener("beforeunload", (event) => {
      // After a conflict the text is in localStorage and offered back on reload: no prompt.
      if ((dirty || inFlight) && !leaving && !stopped) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    window.addEventListener("pageshow", (event) => {
      if (event.persisted) leaving = false; // back/forward cache brought the page back
    });

    // On load: the server's draft is in the textareas.
    const serverDraft = snapshot();
    const copy = readCopy();
    if (form.hasAttribute("data-autosave-conflict")) {
      // The server refused this text (changed elsewhere) and showed it back: keep a copy so
      // a reload can offer it again.
      stopped = true;
      dirty = true;
      keepCopy();
      say(document.getElementById("conflict")?.textContent.trim() || "", "conflict");
    } else if (copy && copy.fields && !sameText(copy.fields, serverDraft)) {
      const banner = document.getElementById("autosave-restore");
      const when = banner.querySelector("[data-restore-when]");
      when.textContent = `at ${new Date(copy.at).toLocaleString()}`;
      banner.hidden = false;
      banner.querySelector("[data-restore-accept]").addEventListener("click", () => {
        textareas().forEach((t) => {
          if (t.name in copy.fields) t.value = copy.fields[t.name];
        });
        banner.hidden = true;
        dirty = true;
        showWordCount();
        save();
        textareas()[0]?.focus();
      });
      banner.querySelector("[data-restore-discard]").addEventListener("click", () => {
        dropCopy();
        banner.hidden = true;
      });
    } else if (copy) {
      dropCopy(); // the server has exactly this text
    }
    showWordCount();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-autosave]");
    if (form) start(form);
  });
})();
