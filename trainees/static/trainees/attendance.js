// The attendance sheet: "all present" marks every trainee present in one press, the box
// filters the roster as one types (a name however it was typed, or a national code), and
// the count shows how many are marked. Without JavaScript the box searches on the server.
(function () {
  "use strict";
  const form = document.getElementById("attendance-form");
  const sheet = document.getElementById("attendance-sheet");
  if (!form || !sheet) return;
  const rows = Array.from(sheet.querySelectorAll(".attendance-row"));
  const counter = document.getElementById("marked-count");
  const digits = new Intl.NumberFormat("fa", { useGrouping: false });

  function count() {
    if (!counter) return;
    const marked = rows.filter((row) => row.querySelector("input[type=radio]:checked")).length;
    counter.textContent = digits.format(marked);
  }

  const allPresent = document.getElementById("all-present");
  if (allPresent) {
    allPresent.hidden = false;
    allPresent.addEventListener("click", () => {
      sheet.querySelectorAll("input[type=radio][value=present]").forEach((radio) => {
        if (!radio.disabled) radio.checked = true;
      });
      count();
    });
  }
  form.addEventListener("change", count);

  // The server's search key (kernel/persian.py's search_key): Arabic letters as Persian
  // ones, any script's digits as ASCII, no spaces or zero-width non-joiners, lower case.
  const LETTERS = { "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "هٔ" };
  function key(text) {
    return text
      .replace(/[يىكةۀ]/g, (c) => LETTERS[c])
      .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
      .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660))
      .replace(/[\s\u200c\u200e\u200f\u0640]/g, "")
      .toLowerCase();
  }
  const haystacks = rows.map((row) => key(row.dataset.search || ""));

  const box = document.getElementById("roster-filter");
  if (box) {
    box.addEventListener("input", () => {
      const wanted = key(box.value);
      rows.forEach((row, index) => {
        row.hidden = wanted !== "" && !haystacks[index].includes(wanted);
      });
    });
    // Typed filtering needs no trip to the server; Enter must not reload the sheet.
    box.form.addEventListener("submit", (event) => event.preventDefault());
    const submit = document.getElementById("roster-filter-submit");
    if (submit && !box.value) submit.hidden = true;
  }
  count();
})();
