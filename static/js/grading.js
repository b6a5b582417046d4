// The grading page, put together: its form is saved as the grader works (autosave-engine.js,
// about a second after each change, and on Save, s or Ctrl+Enter), with the rubric
// (grading-rubric.js), the comment bank (grading-comments.js) and the keyboard shortcuts
// (grading-shortcuts.js). The page works without these files: every button posts the whole
// form. This file adds what only grading has:
// - a conflict (another grader saved first) shows who and when; the grader loads their
//   version (the input is offered back after the reload) or saves theirs over it;
// - each save sends back the score and the review-and-release panel;
// - n / p save, then move to the next / previous write-up.
(() => {
  "use strict";

  const Rapport = (window.Rapport = window.Rapport || {});
  const Grading = (Rapport.Grading = Rapport.Grading || {});

  const MESSAGES = {
    failed: "Not saved: the connection failed — your input is kept. It is saved again on your next change.",
    signedOut: "Not saved: you seem to be signed out. Sign in again in another tab, then press Save — your input is kept.",
    conflict: "Not saved: someone else saved this grade — your input is kept.",
    stopped: "Not saved: another grader saved first — choose above whether to load their version or save yours over it. Your input is kept.",
  };

  // The box that names who saved first, with "Load their version" and "Save mine over theirs".
  function conflictBox(getAutosave) {
    const box = document.getElementById("conflict");
    const overwrite = box.querySelector("[data-conflict-overwrite]");
    box.querySelector("[data-conflict-load]").addEventListener("click", () => {
      getAutosave().leave({ keep: true }); // offered back after the reload: nothing typed is lost
    });
    overwrite.addEventListener("click", (event) => {
      event.preventDefault();
      getAutosave().overwrite(overwrite.value);
    });
    return {
      show(body) {
        box.querySelector("[data-conflict-text]").textContent =
          `Not saved: ${body.saved_by} saved this grade at ${body.saved_clock} while you were working. ` +
          "Nothing was overwritten, and your input is still in the form.";
        overwrite.value = body.revision;
        box.hidden = false;
      },
      hide() {
        box.hidden = true;
      },
    };
  }

  // What a save sent back beside the revision: the score, and review and release (e.g.
  // "Release" once the grade is complete).
  function showSaved(form, body) {
    Grading.showScore(form.querySelector("[data-score-summary]"), body);
    const releasePanel = document.getElementById("release-panel");
    if (releasePanel && body.release_html) releasePanel.outerHTML = body.release_html;
  }

  // "n" / "p": save, then the next or previous write-up of the list; stays on a failed save.
  function navigator(form, autosave) {
    return async (direction) => {
      const url = form.dataset[`${direction}Url`];
      if (!url) {
        autosave.say(direction === "next" ? "This is the last write-up in this list." : "This is the first write-up in this list.", "");
        return;
      }
      if (await autosave.save(false)) {
        autosave.leave();
        window.location.assign(url);
      } else if (autosave.state !== "conflict") {
        autosave.say(`${document.getElementById("save-status").textContent} Staying on this write-up.`, "error");
      }
    };
  }

  // Save, s and Ctrl+Enter save in the background; "Save and next", "Insert" and the bank's
  // buttons are handled by their own code (or post the form as usual).
  function isSaveButton(button) {
    if (!button) return true;
    if (button.name === "overwrite_revision") return false;
    return button.name !== "action" || button.value === "save";
  }

  function start(form) {
    let autosave = null;
    const conflict = conflictBox(() => autosave);
    const rubric = Grading.rubric(form);
    autosave = Rapport.Autosave.attach(form, {
      status: document.getElementById("save-status"),
      restore: document.getElementById("restore"),
      delay: 1000,
      messages: MESSAGES,
      ignore: ["insert_saved", "insert_into"], // choosing a saved comment is not grading
      omit: ["insert_saved"],
      legacyPrefix: form.dataset.autosaveLegacy,
      saveOnSubmit: isSaveButton,
      onSaved(body) {
        conflict.hide();
        showSaved(form, body);
      },
      onConflict: (body) => conflict.show(body),
      onRestored: () => rubric.focusFirst(),
    });
    Grading.commentBank(form, autosave.say);
    Grading.shortcuts({
      dialog: document.getElementById("shortcuts-help"),
      openButton: document.querySelector("[data-help-open]"),
      rubric,
      save: autosave.save,
      goTo: navigator(form, autosave),
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-grading]");
    if (form) start(form);
  });
})();
