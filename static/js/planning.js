// Copy buttons for texts the student may edit first (the thank-you draft). Without JavaScript
// the button stays hidden and the text can be selected and copied by hand.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy-from]").forEach((button) => {
    const source = document.getElementById(button.dataset.copyFrom);
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        button.textContent = "Copied";
      } catch (e) {
        source.select();
        button.textContent = "Press Ctrl+C (⌘C) to copy";
      }
    });
  });
});
