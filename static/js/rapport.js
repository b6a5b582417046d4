// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Default an untouched time-zone select to the browser's zone (signup and profile).
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("select[data-browser-timezone]").forEach((select) => {
    if (select.dataset.browserTimezone === "default" && zone &&
        [...select.options].some((o) => o.value === zone)) {
      select.value = zone;
    }
  });
  // Copy buttons for join links and codes.
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.textContent = "Copied";
      } catch (e) {
        button.textContent = "Select and copy the text";
      }
    });
  });
});
