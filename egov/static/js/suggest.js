/* Suggest-as-you-type for the procedure search box. Progressive enhancement: without this
   script the form submits to the search page. Suggestions are plain links in a list below the
   box; a polite live region announces how many there are. */
(function () {
  "use strict";
  var DELAY = 150;

  function items(data) {
    if (Array.isArray(data)) return data;
    if (data && Array.isArray(data.results)) return data.results;
    return [];
  }

  function attach(input) {
    var form = input.form;
    var box = form && form.querySelector(".suggest");
    if (!box) return;
    var list = box.querySelector(".suggest__list");
    var status = box.querySelector("[data-suggest-status]");
    var url = input.getAttribute("data-suggest-url");
    var timer = null;
    var controller = null;
    var last = "";

    function clear() {
      list.textContent = "";
      box.hidden = true;
    }

    function show(results) {
      list.textContent = "";
      results.slice(0, 8).forEach(function (item) {
        if (!item || !item.code || !item.name) return;
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url || "/thu-tuc/" + encodeURIComponent(item.code) + "/";
        a.textContent = item.name + " (" + item.code + ")";
        li.appendChild(a);
        list.appendChild(li);
      });
      var n = list.children.length;
      box.hidden = n === 0;
      status.textContent = n ? n + " gợi ý" : "";
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (q.length < 2) { clear(); return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q.slice(0, 200)), {
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) { if (input.value.trim() === q) show(items(data)); })
        .catch(function () { /* no suggestions: the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") clear();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[data-suggest-url]");
    for (var i = 0; i < inputs.length; i++) attach(inputs[i]);
  });
})();
