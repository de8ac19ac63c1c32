// The review form: choosing an idea of another call reloads the page with that call's
// score fields, so that every score field is on the page before anything is typed.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const select = document.querySelector("select[data-reload-with]");
    if (!select) return;
    select.addEventListener("change", () => {
      if (!select.value) return;
      const url = new URL(window.location.href);
      url.searchParams.set(select.dataset.reloadWith, select.value);
      window.location.assign(url.toString());
    });
  });
})();
