(function () {
  "use strict";
  var article = document.querySelector('.col[data-side="article"]');
  var sources = document.querySelector('.col[data-side="source"]');

  function scroller(col) {
    return col && col.scrollHeight > col.clientHeight + 4 && getComputedStyle(col).overflowY !== "visible";
  }
  function reveal(col, el) {
    if (!el) { return; }
    if (scroller(col)) {
      col.scrollTo({ top: Math.max(0, el.offsetTop - col.clientHeight / 3), behavior: "smooth" });
    } else {
      el.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }
  function flash(list) {
    Array.prototype.forEach.call(list, function (el) {
      el.classList.remove("flash");
      void el.offsetWidth;
      el.classList.add("flash");
    });
  }
  function clear(selector, cls) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (el) { el.classList.remove(cls); });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) { return; }
    var f = t.closest("li[data-f]");
    if (f) {
      ev.preventDefault();
      var cls = ".f" + f.getAttribute("data-f");
      var inArticle = article.querySelectorAll(cls);
      var inSources = sources.querySelectorAll(cls);
      clear("li[data-f].active", "active");
      f.classList.add("active");
      reveal(article, inArticle[0]);
      reveal(sources, inSources[0]);
      flash(inArticle);
      flash(inSources);
      return;
    }
    var p = t.closest("[data-p]");
    if (p) {
      var key = '[data-p="' + p.getAttribute("data-p") + '"]';
      var here = p.closest(".col");
      var there = here === article ? sources : article;
      clear(".p.active", "active");
      Array.prototype.forEach.call(document.querySelectorAll(key), function (el) { el.classList.add("active"); });
      var target = there.querySelectorAll(key);
      reveal(there, target[0]);
      flash(target);
    }
  });
})();
