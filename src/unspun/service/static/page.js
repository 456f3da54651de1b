// unspun serve: small comforts for the check form. The page works without this script.
(function () {
  "use strict";
  function kb(n) { return n < 1024 ? n + " bytes" : Math.ceil(n / 1024) + " KB"; }

  // The access token (when the service needs one) is kept in this tab's sessionStorage
  // and sent with the form; it never goes into a URL or a cookie.
  var TOKEN_KEY = "unspun-token";
  Array.prototype.forEach.call(document.querySelectorAll("input.token"), function (box) {
    try {
      if (!box.value) { box.value = window.sessionStorage.getItem(TOKEN_KEY) || ""; }
    } catch (e) { /* storage disabled: the field still works, typed each time */ }
    box.addEventListener("input", function () {
      try { window.sessionStorage.setItem(TOKEN_KEY, box.value); } catch (e) { /* ignore */ }
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("form.check"), function (form) {
    var input = form.querySelector('input[type="file"]');
    var drop = form.querySelector(".drop");
    var said = form.querySelector(".drop-file");
    var text = form.querySelector("textarea");
    var button = form.querySelector('button[type="submit"]');

    function show() {
      var f = input.files && input.files[0];
      said.textContent = f ? f.name + " (" + kb(f.size) + "): this file is checked, not the text box" : "";
      drop.classList.toggle("has-file", !!f);
      drop.classList.remove("too-big");
    }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    // A file dropped on the text box goes to the file input instead of into the text.
    text.addEventListener("dragover", function (ev) {
      if (ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types, "Files") >= 0) {
        ev.preventDefault();
      }
    });
    text.addEventListener("drop", function (ev) {
      if (ev.dataTransfer && ev.dataTransfer.files.length) {
        ev.preventDefault();
        input.files = ev.dataTransfer.files;
        show();
      }
    });
    form.addEventListener("submit", function (ev) {
      var f = input.files && input.files[0];
      var max = parseInt(form.getAttribute("data-max-body"), 10);
      if (f && max && f.size > max) {  // the server would answer 413; say it here instead
        ev.preventDefault();
        said.textContent = f.name + " is " + kb(f.size) + ": larger than this server accepts (" + kb(max) + ")";
        drop.classList.add("too-big");
        return;
      }
      button.disabled = true;
      button.textContent = "Checking…";
    });
    window.addEventListener("pageshow", function () {
      button.disabled = false;
      button.textContent = "Check";
      show();
    });
  });
})();
