// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Default an untouched time-zone select to the browser's zone (signup and profile). Some
  // browsers still report a legacy name; the lists carry current names only (the server maps
  // every alias too: accounts/timezones.py).
  const legacyZones = {
    "Asia/Calcutta": "Asia/Kolkata", "Europe/Kiev": "Europe/Kyiv",
    "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon", "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Godthab": "America/Nuuk", "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville", "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Enderbury": "Pacific/Kanton", "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei", "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Etc/UTC": "UTC", "Etc/GMT": "UTC", "GMT": "UTC",
  };
  const reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = legacyZones[reported] || reported;
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
