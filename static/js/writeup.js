// The write-up page: its draft is saved as the student types (autosave-engine.js, about 1.5 s
// after the last keystroke), and the word count follows the text. The page works without
// this file: every button posts the whole form.
(() => {
  "use strict";

  function countWords(text) {
    const trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  // "7 words of at least 5 — 3 more needed", as the server writes it.
  function wordCounter(form) {
    const box = document.getElementById("writeup-words");
    const words = box && box.querySelector("[data-word-count]");
    const needed = box && box.querySelector("[data-words-needed]");
    const minWords = Number((box && box.dataset.minWords) || 0);
    return () => {
      if (!words) return;
      const n = [...form.querySelectorAll("textarea")].reduce((sum, t) => sum + countWords(t.value), 0);
      words.textContent = `${n} word${n === 1 ? "" : "s"}`;
      if (needed) {
        const missing = minWords - n;
        needed.textContent = ` of at least ${minWords}` + (missing > 0 ? ` — ${missing} more needed` : "");
      }
    };
  }

  function start(form) {
    const showWordCount = wordCounter(form);
    window.Rapport.Autosave.attach(form, {
      status: document.getElementById("autosave-status"),
      restore: document.getElementById("autosave-restore"),
      delay: 1500,
      messages: {
        failed: "Not saved — check your connection. Your text is still here.",
        signedOut:
          "Not saved — you seem to be signed out. Sign in again in another tab, then type here " +
          "to save. Your text is still here.",
      },
      onRestored() {
        showWordCount();
        form.querySelector("textarea")?.focus();
      },
    });
    form.addEventListener("input", (event) => {
      if (event.target.tagName === "TEXTAREA") showWordCount();
    });
    showWordCount();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-autosave][data-writeup]");
    if (form) start(form);
  });
})();
