// "Add a prompt" / "Add a question" on the assignment form. Without this file the form still
// offers blank rows to fill in, and more after each save.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-formset]").forEach((set) => {
    const prefix = set.dataset.formset;
    const total = set.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const max = set.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`);
    const rows = set.querySelector("[data-formset-rows]");
    const template = set.querySelector("template[data-formset-template]");
    const button = set.querySelector("[data-formset-add]");
    if (!total || !rows || !template || !button) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const index = Number(total.value);
      if (max && index >= Number(max.value)) {
        button.disabled = true;
        return;
      }
      const row = template.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach((el) => {
        for (const attr of ["name", "id", "for", "aria-describedby"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replaceAll("__prefix__", String(index)));
        }
      });
      // Rows start numbered after the existing ones, so a new row lands at the end.
      const position = row.querySelector(`input[name="${prefix}-${index}-ORDER"]`);
      if (position) position.value = String(index + 1);
      // Labels say "Prompt (new)" in the template; number them like the rows above.
      const texts = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
      for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        if (node.nodeValue.includes("(new)")) {
          node.nodeValue = node.nodeValue.replace("(new)", String(index + 1));
        }
      }
      rows.append(row);
      total.value = String(index + 1);
      const first = row.querySelector("textarea, select, input:not([type=hidden])");
      if (first) first.focus();
    });
  });
});
