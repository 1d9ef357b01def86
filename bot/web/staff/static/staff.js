// Small enhancements; every page works without them.
(function () {
  "use strict";
  // Ask before destructive actions: <form data-confirm="Really?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // Filter a list as you type: <input data-filter="#list"> over children with data-text.
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-filter"));
    if (!list) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      list.querySelectorAll("[data-text]").forEach(function (item) {
        var hay = item.getAttribute("data-text").toLowerCase();
        item.classList.toggle("hidden", needle !== "" && hay.indexOf(needle) === -1);
      });
    });
  });
  // Selects that apply a filter at once: <select data-autosubmit>.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
