// The grading page's rubric: which criterion is being graded, choosing a level by its number,
// moving between criteria, and the score line the server sends back after each save.
(() => {
  "use strict";

  const Rapport = (window.Rapport = window.Rapport || {});
  const Grading = (Rapport.Grading = Rapport.Grading || {});

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

  function focusCriterion(fieldset) {
    if (!fieldset) return;
    const target =
      fieldset.querySelector("input[type=radio]:checked") ||
      fieldset.querySelector("input[type=radio], input[type=number]");
    if (target) target.focus();
    fieldset.scrollIntoView({ block: "nearest" });
  }

  // The criteria of ``form``; the current one is the one with the focus, else the first not
  // scored. It stands out while the focus is in it.
  Grading.rubric = (form) => {
    const criteria = [...form.querySelectorAll("fieldset[data-criterion]")];
    const current = () => focusedCriterion() || criteria.find((f) => !isScored(f)) || criteria[0];

    form.addEventListener("focusin", () => {
      const focused = focusedCriterion();
      criteria.forEach((f) => f.classList.toggle("border-primary", f === focused));
    });

    return {
      focusFirst: () => focusCriterion(criteria[0]),
      // Level ``n`` (1 for the first) of the current criterion; one without levels gets the focus.
      chooseLevel(n) {
        const fieldset = current();
        if (!fieldset) return;
        const radio = fieldset.querySelector(`input[data-level-index="${n}"]`);
        if (!radio) {
          focusCriterion(fieldset);
          return;
        }
        radio.checked = true;
        radio.focus();
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      },
      move(step) {
        if (!criteria.length) return;
        const index = criteria.indexOf(focusedCriterion());
        const next = index === -1 ? (step > 0 ? 0 : criteria.length - 1) : index + step;
        focusCriterion(criteria[Math.max(0, Math.min(criteria.length - 1, next))]);
      },
    };
  };

  // "Score: 17 / 20, after the 20% late penalty: 13.6 (in progress)", from a save's answer.
  Grading.showScore = (summary, body) => {
    if (!summary) return;
    if (body.score === null || body.score === undefined) {
      summary.textContent = "No score yet.";
      return;
    }
    let text = `Score: ${body.score} / ${body.points_possible}`;
    if (body.penalty_percent && body.penalty_percent !== "0") {
      text += `, after the ${body.penalty_percent}% late penalty: ${body.final_score}`;
    }
    summary.textContent = `${text} (${String(body.state).toLowerCase()})`;
  };
})();
