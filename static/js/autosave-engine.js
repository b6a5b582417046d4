// One autosave engine for every page that saves as you type (the write-up: writeup.js; the
// grading page: grading.js). The page works without it: every button posts the whole form.
// With it, on a form that carries a hidden "revision":
// - the input is saved in the background a moment after the last change, posted to the form's
//   own URL as the form would post it, with Accept: application/json; the server answers with
//   the one protocol of interviews/views/autosave.py: 200 saved {revision, saved_at, message},
//   400 invalid {message, errors}, 409 conflict {message, revision, saved_at};
// - until the server confirms a save, a copy lives in localStorage under
//   "rapport:" + data-autosave-key as {revision, fields, at}, and is offered back on the next
//   visit when it differs from what the server has;
// - a conflict (someone saved first; nothing was overwritten) stops background saves and leaves
//   the input alone; the page may offer to save over the other version (overwrite);
// - the status line (aria-live) says what happened; leaving with unsaved input asks first.
//
//   const autosave = Rapport.Autosave.attach(form, {status, restore, delay, messages, ...});
//   autosave.save(true)  // now; resolves true once everything typed is saved
(() => {
  "use strict";

  const Rapport = (window.Rapport = window.Rapport || {});
  const NOT_INPUT = new Set(["hidden", "submit", "button", "reset", "image", "file"]);
  const MESSAGES = {
    unsaved: "Unsaved changes",
    saving: "Saving…",
    failed: "Not saved: the connection failed — your input is kept.",
    signedOut: "Not saved: you seem to be signed out. Sign in again in another tab — your input is kept.",
    invalid: "Not saved: check the form — your input is kept.",
    conflict: "Not saved: this was changed elsewhere meanwhile — your input is kept.",
    stopped: "Not saved: this was changed elsewhere meanwhile — your input is kept. Reload to see the other version.",
  };
  const NO_HOOK = () => {};

  // The input ---------------------------------------------------------------------------------

  function isInput(element, ignore) {
    return Boolean(element.name) && !NOT_INPUT.has(element.type) && !ignore.has(element.name);
  }

  // The input as typed: each control's value, a radio group (or a checkbox) as its checked value.
  function snapshot(form, ignore) {
    const values = {};
    for (const element of form.elements) {
      if (!isInput(element, ignore)) continue;
      if (element.type === "radio" || element.type === "checkbox") {
        if (!(element.name in values)) values[element.name] = "";
        if (element.checked) values[element.name] = element.value;
      } else {
        values[element.name] = element.value;
      }
    }
    return values;
  }

  function apply(form, values, ignore) {
    for (const element of form.elements) {
      if (!isInput(element, ignore) || !(element.name in values)) continue;
      if (element.type === "radio" || element.type === "checkbox") {
        element.checked = element.value === values[element.name];
      } else {
        element.value = values[element.name];
      }
    }
  }

  function clean(text) {
    return String(text || "").replace(/\r\n/g, "\n").trim();
  }

  function same(a, b) {
    const names = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...names].every((name) => clean(a[name]) === clean(b[name]));
  }

  // The local copy ------------------------------------------------------------------------------

  // Storage full or disabled: nothing is kept locally, the server save still runs.
  function quietly(action, fallback = null) {
    try {
      return action();
    } catch (e) {
      return fallback;
    }
  }

  // One copy per form. Copies kept under an older scheme (legacyPrefix + anything) are read
  // once and replaced by the next copy kept.
  function localCopy(key, legacyPrefix) {
    const legacyKeys = () => quietly(() => {
      const keys = [];
      for (let i = 0; legacyPrefix && i < localStorage.length; i += 1) {
        const name = localStorage.key(i);
        if (name && name.startsWith(legacyPrefix)) keys.push(name);
      }
      return keys;
    }, []);
    const parse = (name) => quietly(() => JSON.parse(localStorage.getItem(name) || "null"));
    const drop = () => [key, ...legacyKeys()].forEach((name) => quietly(() => localStorage.removeItem(name)));
    return {
      keep(copy) {
        drop();
        quietly(() => localStorage.setItem(key, JSON.stringify(copy)));
      },
      read() {
        const copies = [key, ...legacyKeys()].map(parse).filter((copy) => copy && copy.fields);
        return copies.sort((a, b) => (b.at || 0) - (a.at || 0))[0] || null;
      },
      drop,
    };
  }

  // Messages next to the fields -----------------------------------------------------------------

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach((box) => {
      box.textContent = "";
    });
    form.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
  }

  function showErrors(form, errors) {
    clearErrors(form);
    Object.entries(errors || {}).forEach(([name, messages]) => {
      const box = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (box) box.textContent = messages.join(" ");
      form.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((element) => {
        element.setAttribute("aria-invalid", "true");
      });
    });
  }

  // The wire ------------------------------------------------------------------------------------

  // Posts the form as it is (less files and ``omit``); resolves {outcome, body}, the outcome
  // one of "saved", "invalid", "conflict", "signedOut", "failed".
  async function post(form, omit) {
    const data = new FormData(form);
    for (const element of form.elements) if (element.type === "file") data.delete(element.name);
    omit.forEach((name) => data.delete(name));
    let response;
    try {
      // Not form.action: a control named "action" shadows that property.
      response = await fetch(form.getAttribute("action") || window.location.href, {
        method: "POST", body: data, headers: { Accept: "application/json" },
        credentials: "same-origin", redirect: "manual",
      });
    } catch (e) {
      return { outcome: "failed", body: {} };
    }
    // Signed out: the login redirect, or the CSRF check's 403.
    if (response.type === "opaqueredirect" || response.status === 403) return { outcome: "signedOut", body: {} };
    const body = await response.json().catch(() => null);
    if (!body) return { outcome: "failed", body: {} }; // a proxy's error page, a crash
    if (response.status === 409) return { outcome: "conflict", body };
    if (response.status === 400) return { outcome: "invalid", body };
    if (response.ok && body.revision !== undefined) return { outcome: "saved", body };
    return { outcome: "failed", body: {} };
  }

  // The engine ----------------------------------------------------------------------------------

  class Autosave {
    constructor(form, options) {
      this.form = form;
      this.options = options;
      this.ignore = new Set(options.ignore || []);
      this.messages = { ...MESSAGES, ...options.messages };
      this.revision = form.elements.revision;
      this.copy = localCopy(`rapport:${form.dataset.autosaveKey}`, options.legacyPrefix);
      this.timer = null;
      this.inFlight = null; // the promise of the save under way
      this.dirty = false; // changed since the last successful save
      this.stopped = false; // after a conflict: no background saves
      this.leaving = false; // a plain post or a link is taking the page away
      this.waitingSubmit = null; // a button pressed while a save was under way
    }

    say(text, state) {
      const box = this.options.status;
      box.textContent = text;
      box.dataset.state = state || "";
    }

    snapshot() {
      return snapshot(this.form, this.ignore);
    }

    keepCopy() {
      this.copy.keep({ revision: this.revision.value, fields: this.snapshot(), at: Date.now() });
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.save(false), this.options.delay);
    }

    changed(event) {
      if (!isInput(event.target, this.ignore)) return;
      if (!this.dirty) this.say(this.messages.unsaved, "dirty");
      this.dirty = true;
      this.keepCopy();
      if (!this.stopped) this.schedule();
    }

    // Saves now, after any save under way; resolves true when everything typed is saved.
    // ``force`` saves even without a change (the grader's "Save").
    async save(force = false) {
      clearTimeout(this.timer);
      this.timer = null;
      while (this.inFlight) await this.inFlight;
      if (this.stopped) {
        if (force) this.say(this.messages.stopped, "conflict");
        return false;
      }
      if (this.leaving) return false;
      if (!this.dirty && !force) return true;
      this.inFlight = this.send();
      try {
        return await this.inFlight;
      } finally {
        this.inFlight = null;
      }
    }

    async send() {
      const sent = this.snapshot();
      this.dirty = false;
      this.say(this.messages.saving, "saving");
      const { outcome, body } = await post(this.form, this.options.omit || []);
      if (outcome === "saved") {
        this.saved(body, sent);
        return true;
      }
      this.dirty = true;
      if (outcome === "conflict") this.conflicted(body);
      else if (outcome === "invalid") this.refused(body);
      else this.say(this.messages[outcome], "error");
      return false;
    }

    saved(body, sent) {
      this.revision.value = body.revision;
      this.stopped = false;
      clearErrors(this.form);
      this.say(body.message, "saved");
      this.options.onSaved(body);
      if (same(this.snapshot(), sent)) {
        this.copy.drop();
      } else {
        // Typed while the save was under way: that is saved next.
        this.dirty = true;
        this.keepCopy();
        this.schedule();
      }
    }

    conflicted(body) {
      this.stopped = true;
      this.keepCopy(); // offered back after a reload
      this.say(body.message || this.messages.conflict, "conflict");
      this.options.onConflict(body);
    }

    refused(body) {
      showErrors(this.form, body.errors);
      this.say(body.message || this.messages.invalid, "error");
    }

    // Saves the input over the version saved at ``revision`` (the one a conflict named).
    overwrite(revision) {
      this.revision.value = revision;
      this.stopped = false;
      return this.save(true);
    }

    // The page is going away on purpose (a link, "next"): no question; ``keep`` keeps a copy
    // to offer back when the grader returns.
    leave({ keep = false } = {}) {
      if (keep) this.keepCopy();
      this.leaving = true;
    }

    // Every button posts the whole form. A save under way is waited for, so the form carries
    // the new revision; ``saveOnSubmit`` names the buttons that mean a background save.
    submitted(event) {
      const button = event.submitter || null;
      if (this.options.saveOnSubmit(button)) {
        event.preventDefault();
        this.save(true);
        return;
      }
      clearTimeout(this.timer);
      this.timer = null;
      if (!this.inFlight) {
        this.leaving = true;
        return;
      }
      event.preventDefault();
      const waiting = this.waitingSubmit;
      this.waitingSubmit = { button };
      if (!waiting) this.inFlight.finally(() => this.submitWaiting());
    }

    submitWaiting() {
      const { button } = this.waitingSubmit;
      this.waitingSubmit = null;
      // After the save's own bookkeeping (it awaited the same promise first).
      setTimeout(() => this.form.requestSubmit(button || undefined), 0);
    }

    beforeUnload(event) {
      // After a conflict the input is in localStorage and offered back on reload: no question.
      if ((this.dirty || this.inFlight) && !this.leaving && !this.stopped) {
        event.preventDefault();
        event.returnValue = "";
      }
    }

    listen() {
      this.form.addEventListener("input", (event) => this.changed(event));
      // Scripts choose a level by dispatching "change" alone.
      this.form.addEventListener("change", (event) => {
        if (event.target.type === "radio" || event.target.type === "checkbox") this.changed(event);
      });
      this.form.addEventListener("submit", (event) => this.submitted(event));
      window.addEventListener("beforeunload", (event) => this.beforeUnload(event));
      window.addEventListener("pageshow", (event) => {
        if (event.persisted) this.leaving = false; // the back/forward cache brought the page back
      });
    }

    // On load: the server's version is in the form, or the input it refused or could not save.
    start() {
      const data = this.form.dataset;
      if ("autosaveBound" in data || "autosaveConflict" in data) {
        this.dirty = true;
        this.keepCopy(); // so a reload offers it again
      }
      if ("autosaveConflict" in data) {
        this.stopped = true;
        if (data.autosaveConflict) this.say(data.autosaveConflict, "conflict");
      } else if (!("autosaveBound" in data)) {
        this.offerRestore();
      }
    }

    offerRestore() {
      const copy = this.copy.read();
      if (!copy) return;
      const box = this.options.restore;
      if (same(copy.fields, this.snapshot())) {
        this.copy.drop(); // the server has exactly this input
        return;
      }
      if (!box) return;
      box.querySelector("[data-restore-when]").textContent = new Date(copy.at).toLocaleString();
      const older = box.querySelector("[data-restore-older]");
      if (older) older.hidden = copy.revision === undefined || String(copy.revision) === this.revision.value;
      box.hidden = false;
      box.querySelector("[data-restore-accept]").addEventListener("click", () => this.restore(copy), { once: true });
      box.querySelector("[data-restore-discard]").addEventListener("click", () => {
        this.copy.drop();
        box.hidden = true;
      }, { once: true });
    }

    restore(copy) {
      apply(this.form, copy.fields, this.ignore);
      this.options.restore.hidden = true;
      this.dirty = true;
      this.keepCopy();
      this.options.onRestored();
      this.save(true);
    }
  }

  // Starts saving ``form`` as it is typed in; returns what the page may call.
  function attach(form, options) {
    const engine = new Autosave(form, {
      delay: 1500, onSaved: NO_HOOK, onConflict: NO_HOOK, onRestored: NO_HOOK,
      saveOnSubmit: () => false, ...options,
    });
    engine.listen();
    engine.start();
    return {
      save: (force) => engine.save(force),
      overwrite: (revision) => engine.overwrite(revision),
      leave: (how) => engine.leave(how),
      say: (text, state) => engine.say(text, state),
      get state() {
        return engine.options.status.dataset.state || "";
      },
    };
  }

  Rapport.Autosave = { attach };
})();
