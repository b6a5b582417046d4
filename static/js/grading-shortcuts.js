// The grading page's keyboard shortcuts and their help, a modal dialog: "?" (or the button)
// opens it with the focus inside; Escape, Close or "?" again return the focus to where the
// grader was. Shortcuts are off while typing in a text box, except Ctrl+Enter.
(() => {
  "use strict";

  const Rapport = (window.Rapport = window.Rapport || {});
  const Grading = (Rapport.Grading = Rapport.Grading || {});
  const NOT_TYPING = new Set(["radio", "checkbox", "button", "submit", "reset", "range", "color", "file"]);

  function isTextField(element) {
    if (!element || !element.tagName) return false;
    if (element.isContentEditable) return true;
    const tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && !NOT_TYPING.has(element.type);
  }

  function helpDialog(dialog, openButton) {
    let returnTo = null;
    const open = () => {
      if (dialog.open) return;
      returnTo = document.activeElement;
      dialog.showModal();
      dialog.querySelector("[data-help-close]").focus();
    };
    dialog.addEventListener("close", () => {
      const back = returnTo;
      returnTo = null;
      if (back && back !== document.body && document.contains(back)) back.focus();
    });
    if (openButton) {
      openButton.hidden = false;
      openButton.addEventListener("click", open);
    }
    return { open, close: () => dialog.close(), isOpen: () => dialog.open };
  }

  // The action of ``key`` (a shortcut without modifiers), or null when it is none.
  function actionOf(key, { help, rubric, save, goTo }) {
    if (key === "?") return help.open;
    if (/^[1-9]$/.test(key)) return () => rubric.chooseLevel(Number(key));
    if (key === "[" || key === "]") return () => rubric.move(key === "]" ? 1 : -1);
    if (key === "n" || key === "p") return () => goTo(key === "n" ? "next" : "previous");
    if (key === "s") return () => save(true);
    return null;
  }

  // ``page``: {dialog, openButton, rubric, save(force), goTo(direction)}.
  Grading.shortcuts = (page) => {
    const help = helpDialog(page.dialog, page.openButton);
    const context = { ...page, help };
    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.isComposing) return;
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        page.save(true);
        return;
      }
      if (isTextField(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      // While the help is open only "?" (to close it) is a shortcut; Escape and Tab are the
      // dialog's own.
      const action = help.isOpen() ? (event.key === "?" ? help.close : null) : actionOf(event.key, context);
      if (!action) return;
      event.preventDefault();
      action();
    });
  };
})();
