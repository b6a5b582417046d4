// The grading page: background save, a local copy of unsaved input, conflicts between graders,
// the comment bank and keyboard shortcuts. The page works without this file (every button posts
// the whole form); with it:
// - the form is saved about a second after each change, and on Save (s, Ctrl+Enter);
// - until the server confirms a save, a copy of the input lives in localStorage, keyed by the
//   write-up and the grade revision it was typed on, and is offered back after a reload;
// - a conflict (another grader saved first: HTTP 409) stops saving and keeps the input in the
//   form; the grader chooses to load the other version or save theirs over it;
// - the status line (aria-live) says "Saved at 10:02" or "Not saved: <reason> — your input is
//   kept".
(() => {
  "use strict";

  const DELAY_MS = 1000;
  const NETWORK_ERROR = "Not saved: the connection failed — your input is kept. It is saved again on your next change.";
  const SIGNED_OUT = "Not saved: you seem to be signed out. Sign in again in another tab, then press Save — your input is kept.";
  // Fields that are not part of the grade itself.
  const NOT_GRADE = new Set([
    "csrfmiddlewaretoken", "revision", "overwrite_revision", "action", "insert_saved", "insert_into",
  ]);
  const NOT_TYPING = new Set(["radio", "checkbox", "button", "submit", "reset", "range", "color", "file"]);

  function isTextField(element) {
    if (!element || !element.tagName) return false;
    if (element.isContentEditable) return true;
    const tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && !NOT_TYPING.has(element.type);
  }

  function start(form) {
    const statusBox = document.getElementById("save-status");
    const revision = form.querySelector("input[name=revision]");
    const conflictBox = document.getElementById("conflict");
    const overwriteButton = conflictBox.querySelector("[data-conflict-overwrite]");
    const restoreBox = document.getElementById("restore");
    const summary = form.querySelector("[data-score-summary]");
    const help = document.getElementById("shortcuts-help");
    const bankSelect = document.getElementById("id_insert_saved");
    const prefix = `rapport:grade:${form.dataset.storageKey}:`;

    let timer = null;
    let inFlight = null; // the promise of the save under way
    let dirty = false; // changed since the last successful save
    let stopped = form.hasAttribute("data-conflict"); // no background saves after a conflict
    let overwrite = null; // the revision to save over, once the grader chose to
    let leaving = false;
    let lastComment = null; // the comment box last typed in, for inserting saved comments

    function say(text, state) {
      statusBox.textContent = text;
      statusBox.dataset.state = state || "";
    }

    // The grade as typed: every control's value, a radio group as its checked value.
    function snapshot() {
      const values = {};
      for (const element of form.elements) {
        const name = element.name;
        if (!name || NOT_GRADE.has(name) || element.type === "submit" || element.type === "button") continue;
        if (element.type === "radio") {
          if (!(name in values)) values[name] = "";
          if (element.checked) values[name] = element.value;
        } else {
          values[name] = element.value;
        }
      }
      return values;
    }

    function apply(values) {
      for (const element of form.elements) {
        const name = element.name;
        if (!name || NOT_GRADE.has(name) || !(name in values)) continue;
        if (element.type === "radio") element.checked = element.value === values[name];
        else if (element.type !== "submit" && element.type !== "button") element.value = values[name];
      }
    }

    function clean(text) {
      return String(text || "").replace(/\r\n/g, "\n").trim();
    }

    function same(a, b) {
      const names = new Set([...Object.keys(a), ...Object.keys(b)]);
      return [...names].every((name) => clean(a[name]) === clean(b[name]));
    }

    // Local copies ----------------------------------------------------------------------------

    function copyKeys() {
      const keys = [];
      try {
        for (let i = 0; i < localStorage.length; i += 1) {
          const key = localStorage.key(i);
          if (key && key.startsWith(prefix)) keys.push(key);
        }
      } catch (e) {
        // Storage disabled: nothing kept locally, the server save still runs.
      }
      return keys;
    }

    function dropCopies() {
      copyKeys().forEach((key) => {
        try {
          localStorage.removeItem(key);
        } catch (e) {
          // Nothing to do.
        }
      });
    }

    function keepCopy() {
      const copy = { revision: revision.value, fields: snapshot(), at: Date.now() };
      try {
        dropCopies();
        localStorage.setItem(prefix + revision.value, JSON.stringify(copy));
      } catch (e) {
        // Storage full or disabled: the server save still runs.
      }
    }

    function latestCopy() {
      let latest = null;
      copyKeys().forEach((key) => {
        try {
          const copy = JSON.parse(localStorage.getItem(key) || "null");
          if (copy && copy.fields && (!latest || copy.at > latest.at)) latest = copy;
        } catch (e) {
          // A damaged copy is ignored.
        }
      });
      return latest;
    }

    // Messages next to the fields ------------------------------------------------------------

    function clearErrors() {
      form.querySelectorAll("[data-error-for]").forEach((box) => {
        box.textContent = "";
      });
      form.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
    }

    function showErrors(errors) {
      clearErrors();
      Object.entries(errors || {}).forEach(([name, messages]) => {
        const box = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
        if (box) box.textContent = messages.join(" ");
        form.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((element) => {
          element.setAttribute("aria-invalid", "true");
        });
      });
    }

    function showSummary(body) {
      if (!summary || body.score === null || body.score === undefined) {
        if (summary) summary.textContent = "No score yet.";
        return;
      }
      let text = `Score: ${body.score} / ${body.points_possible}`;
      if (body.penalty_percent && body.penalty_percent !== "0") {
        text += `, after the ${body.penalty_percent}% late penalty: ${body.final_score}`;
      }
      summary.textContent = `${text} (${String(body.state).toLowerCase()})`;
    }

    function showConflict(body) {
      conflictBox.querySelector("[data-conflict-text]").textContent =
        `Not saved: ${body.saved_by} saved this grade at ${body.saved_at} while you were working. ` +
        "Nothing was overwritten, and your input is still in the form.";
      overwriteButton.value = body.revision;
      conflictBox.hidden = false;
    }

    // Saving ----------------------------------------------------------------------------------

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(() => save(false), DELAY_MS);
    }

    async function send() {
      const sent = snapshot();
      const data = new FormData(form);
      data.set("action", "save");
      data.delete("insert_saved");
      if (overwrite !== null) data.set("overwrite_revision", overwrite);
      dirty = false;
      say("Saving…", "saving");
      let response;
      try {
        // Not form.action: the buttons named "action" shadow that property.
        response = await fetch(form.getAttribute("action"), {
          method: "POST",
          body: data,
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          redirect: "manual",
        });
      } catch (e) {
        dirty = true;
        say(NETWORK_ERROR, "error");
        return false;
      }
      let body = {};
      try {
        body = await response.clone().json();
      } catch (e) {
        body = {};
      }
      if (response.type === "opaqueredirect" || response.status === 403) {
        dirty = true;
        say(SIGNED_OUT, "error");
        return false;
      }
      if (response.status === 409) {
        dirty = true;
        stopped = true;
        keepCopy();
        showConflict(body);
        say(body.message || "Not saved: someone else saved this grade — your input is kept.", "conflict");
        return false;
      }
      if (response.status === 400) {
        dirty = true;
        showErrors(body.errors);
        say(body.message || "Not saved: check the form — your input is kept.", "error");
        return false;
      }
      if (!response.ok || body.revision === undefined) {
        dirty = true;
        say(NETWORK_ERROR, "error");
        return false;
      }
      revision.value = body.revision;
      overwrite = null;
      stopped = false;
      conflictBox.hidden = true;
      clearErrors();
      showSummary(body);
      // Review and release follow the grade just saved (e.g. "Release" once it is complete).
      const releasePanel = document.getElementById("release-panel");
      if (releasePanel && body.release_html) releasePanel.outerHTML = body.release_html;
      say(body.message, "saved");
      if (same(snapshot(), sent)) dropCopies();
      else {
        dirty = true;
        keepCopy();
        schedule();
      }
      return true;
    }

    // Saves now (waiting for one under way); resolves true when everything typed is saved.
    async function save(force) {
      clearTimeout(timer);
      timer = null;
      if (inFlight) {
        await inFlight;
        if (!dirty && !force) return true;
      }
      if (stopped) {
        if (force) say("Not saved: another grader saved first — choose above whether to load their version or save yours over it. Your input is kept.", "conflict");
        return false;
      }
      if (!dirty && !force) return true;
      inFlight = send();
      try {
        return await inFlight;
      } finally {
        inFlight = null;
      }
    }

    function changed(event) {
      const target = event.target;
      if (!target.name || NOT_GRADE.has(target.name)) return;
      if (target.tagName === "TEXTAREA") lastComment = target;
      if (!dirty) say("Unsaved changes", "dirty");
      dirty = true;
      keepCopy();
      if (!stopped) schedule();
    }

    form.addEventListener("input", changed);
    // "Insert a saved comment" goes into the comment box the grader was last in.
    const insertInto = form.elements.insert_into;
    form.addEventListener("focusin", (event) => {
      const target = event.target;
      if (target.tagName !== "TEXTAREA") return;
      lastComment = target;
      if ([...insertInto.options].some((o) => o.value === target.name)) insertInto.value = target.name;
    });
    form.addEventListener("change", (event) => {
      if (event.target.type === "radio") changed(event);
    });

    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      const action = button && button.name === "action" ? button.value : "save";
      if (button && button.name === "overwrite_revision") return; // handled on click
      if (action === "save") {
        event.preventDefault();
        save(true);
        return;
      }
      // "Save and next" posts the page as usual once any save under way is done, so it
      // carries the new revision.
      if (inFlight) {
        event.preventDefault();
        inFlight.then(() => form.requestSubmit(button));
        return;
      }
      clearTimeout(timer);
      leaving = true;
    });

    window.addEventListener("beforeunload", (event) => {
      if ((dirty || inFlight) && !leaving && !stopped) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) leaving = false;
    });

    // Conflicts -------------------------------------------------------------------------------

    conflictBox.querySelector("[data-conflict-load]").addEventListener("click", () => {
      keepCopy(); // offered back after the reload, so nothing typed is lost
      leaving = true;
    });
    overwriteButton.addEventListener("click", (event) => {
      event.preventDefault();
      overwrite = overwriteButton.value;
      stopped = false;
      save(true);
    });

    // The comment bank ------------------------------------------------------------------------

    form.querySelectorAll("[data-bank-from]").forEach((button) => {
      button.addEventListener("click", async (event) => {
        event.preventDefault();
        const box = form.elements[button.dataset.bankFrom];
        const text = clean(box && box.value);
        if (!text) {
          say("That comment box is empty: nothing to add to your bank.", "error");
          return;
        }
        const data = new FormData();
        data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
        data.set("text", text);
        try {
          const response = await fetch(form.dataset.bankUrl, {
            method: "POST", body: data, headers: { Accept: "application/json" },
            credentials: "same-origin", redirect: "manual",
          });
          if (!response.ok) throw new Error(String(response.status));
          const comment = await response.json();
          if (![...bankSelect.options].some((o) => o.value === String(comment.id))) {
            const option = new Option(comment.text.length > 90 ? `${comment.text.slice(0, 89)}…` : comment.text, comment.id);
            option.dataset.text = comment.text;
            bankSelect.add(option);
          }
          say("Added to your comment bank.", "saved");
        } catch (e) {
          say("Not added to your comment bank: the connection failed. Your comment is kept.", "error");
        }
      });
    });

    const insertButton = form.querySelector("[data-insert]");
    insertButton.addEventListener("click", (event) => {
      event.preventDefault();
      const option = bankSelect.selectedOptions[0];
      if (!option || !option.value) {
        say("Choose a saved comment to insert first.", "error");
        bankSelect.focus();
        return;
      }
      const target = form.elements[form.elements.insert_into.value];
      const text = option.dataset.text || option.textContent;
      if (target === lastComment && target.selectionStart < target.value.length) {
        // At the caret of the box the grader was writing in.
        const at = target.selectionStart;
        target.value = target.value.slice(0, at) + text + target.value.slice(target.selectionEnd);
      } else {
        target.value = target.value.trim() ? `${target.value.trimEnd()}\n\n${text}` : text;
      }
      target.dispatchEvent(new Event("input", { bubbles: true }));
      target.focus();
      const url = form.dataset.useUrlTemplate.replace("/0/use/", `/${option.value}/use/`);
      const data = new FormData();
      data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      fetch(url, { method: "POST", body: data, credentials: "same-origin" }).catch(() => {});
    });

    // Keyboard shortcuts ----------------------------------------------------------------------

    const criteria = [...form.querySelectorAll("fieldset[data-criterion]")];

    function isScored(fieldset) {
      const radios = fieldset.querySelectorAll("input[type=radio]");
      if (radios.length) return [...radios].some((r) => r.checked && r.value);
      const input = fieldset.querySelector(`[name="${CSS.escape(fieldset.dataset.field)}"]`);
      return Boolean(input && input.value.trim());
    }

    function focusedCriterion() {
      const active = document.activeElement;
      return active && active.closest ? active.closest("fieldset[data-criterion]") : null;
    }

    function currentCriterion() {
      return focusedCriterion() || criteria.find((f) => !isScored(f)) || criteria[0];
    }

    function focusCriterion(fieldset) {
      if (!fieldset) return;
      const target =
        fieldset.querySelector("input[type=radio]:checked") ||
        fieldset.querySelector("input[type=radio], input[type=number]");
      if (target) target.focus();
      fieldset.scrollIntoView({ block: "nearest" });
    }

    function chooseLevel(n) {
      const fieldset = currentCriterion();
      if (!fieldset) return;
      const radio = fieldset.querySelector(`input[data-level-index="${n}"]`);
      if (!radio) {
        focusCriterion(fieldset);
        return;
      }
      radio.checked = true;
      radio.focus();
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function moveCriterion(step) {
      if (!criteria.length) return;
      const index = criteria.indexOf(focusedCriterion());
      const next = index === -1 ? (step > 0 ? 0 : criteria.length - 1) : index + step;
      focusCriterion(criteria[Math.max(0, Math.min(criteria.length - 1, next))]);
    }

    async function goTo(direction) {
      const url = form.dataset[`${direction}Url`];
      if (!url) {
        say(direction === "next" ? "This is the last write-up in this list." : "This is the first write-up in this list.", "");
        return;
      }
      if (await save(false)) {
        leaving = true;
        window.location.assign(url);
      } else if (statusBox.dataset.state !== "conflict") {
        say(`${statusBox.textContent} Staying on this write-up.`, "error");
      }
    }

    // The help is a modal dialog: the focus moves into it and, once it closes (Escape, Close
    // or "?" again), back to where the grader was.
    let helpReturn = null;
    const helpButton = document.querySelector("[data-help-open]");

    function openHelp() {
      if (help.open) return;
      helpReturn = document.activeElement;
      help.showModal();
      help.querySelector("[data-help-close]").focus();
    }

    help.addEventListener("close", () => {
      const back = helpReturn;
      helpReturn = null;
      if (back && back !== document.body && document.contains(back)) back.focus();
    });
    if (helpButton) {
      helpButton.hidden = false;
      helpButton.addEventListener("click", openHelp);
    }

    // The criterion being graded stands out while the focus is in it.
    form.addEventListener("focusin", () => {
      const current = focusedCriterion();
      criteria.forEach((f) => f.classList.toggle("border-primary", f === current));
    });

    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.isComposing) return;
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        save(true);
        return;
      }
      if (isTextField(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key;
      if (help.open) {
        // While the help is open only "?" (to close it) is a shortcut; Escape and Tab are the
        // dialog's own.
        if (key !== "?") return;
        help.close();
      } else if (key === "?") {
        openHelp();
      } else if (/^[1-9]$/.test(key)) {
        chooseLevel(Number(key));
      } else if (key === "[" || key === "]") {
        moveCriterion(key === "]" ? 1 : -1);
      } else if (key === "n" || key === "p") {
        goTo(key === "n" ? "next" : "previous");
      } else if (key === "s") {
        save(true);
      } else {
        return;
      }
      event.preventDefault();
    });

    // On load ---------------------------------------------------------------------------------

    const copy = latestCopy();
    if (form.hasAttribute("data-bound")) {
      // The server showed this input back (refused, or a conflict): keep it for a reload.
      dirty = true;
      keepCopy();
    } else if (copy && !same(copy.fields, snapshot())) {
      const when = restoreBox.querySelector("[data-restore-when]");
      const older = String(copy.revision) !== String(revision.value);
      when.textContent = new Date(copy.at).toLocaleString() +
        (older ? " (typed on an earlier version: someone has saved this grade since; restoring replaces what is shown)" : "");
      restoreBox.hidden = false;
      restoreBox.querySelector("[data-restore-accept]").addEventListener("click", () => {
        apply(copy.fields);
        restoreBox.hidden = true;
        dirty = true;
        keepCopy();
        save(true);
        focusCriterion(criteria[0]);
      });
      restoreBox.querySelector("[data-restore-discard]").addEventListener("click", () => {
        dropCopies();
        restoreBox.hidden = true;
      });
    } else if (copy) {
      dropCopies(); // the server has exactly this input
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-grading]");
    if (form) start(form);
  });
})();
