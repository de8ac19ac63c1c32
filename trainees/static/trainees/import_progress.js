// The import's progress bar: ask the server every second how many rows are written and
// move the bar; when the import is done, reload the page to show its report.
(function () {
  "use strict";
  const bar = document.getElementById("import-progress");
  if (!bar) return;
  const processedText = document.getElementById("import-processed");
  const totalText = document.getElementById("import-total");
  const digits = new Intl.NumberFormat(document.documentElement.lang || "fa", {
    useGrouping: false,
  });

  function show(processed, total) {
    bar.max = Math.max(total, 1);
    bar.value = processed;
    if (processedText) processedText.textContent = digits.format(processed);
    if (totalText) totalText.textContent = digits.format(total);
  }

  async function poll() {
    try {
      const response = await fetch(bar.dataset.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const figures = await response.json();
        show(figures.processed, figures.total);
        if (!figures.running) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped request is tried again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 1000);
})();
