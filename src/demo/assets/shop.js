/* Demo shop frontend: the header search box and the product page's "Shop the look" drawer.
 * Both call reshelf's same-origin endpoints under /_reshelf; reshelf adds the Fashion.AI app
 * token and the shopper's session on the server, so this file holds no token and every
 * request stays on the shop's own origin. Plain JS, no build step; text goes into the page
 * through textContent only. */
(function () {
  "use strict";

  var PREFIX = document.documentElement.getAttribute("data-reshelf-prefix") || "/_reshelf";
  var money = new Intl.NumberFormat("pt-BR", { style: "currency", currency: "BRL" });

  /* GET a same-origin JSON endpoint; resolves to the parsed body, or null on any failure. */
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  /* Only site paths and http(s) URLs are used as links or images. */
  function safeUrl(u) {
    return typeof u === "string" && (u.charAt(0) === "/" || /^https?:\/\//i.test(u)) ? u : null;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* One product row: image, name, price (sale price when lower), linking to its page. */
  function productItem(p) {
    var li = el("li", "mini-product");
    var a = el("a");
    var href = safeUrl(p.link);
    if (href) a.href = href;
    var src = safeUrl(p.image);
    if (src) {
      var img = el("img");
      img.src = src;
      img.alt = "";
      img.width = 64;
      img.height = 80;
      a.appendChild(img);
    }
    var text = el("span", "mini-text");
    text.appendChild(el("span", "name", p.name));
    var price = el("span", "price");
    if (typeof p.salePrice === "number" && p.salePrice < p.price) {
      price.appendChild(el("s", null, money.format(p.price)));
      price.appendChild(document.createTextNode(" "));
      price.appendChild(el("strong", null, money.format(p.salePrice)));
    } else if (typeof p.price === "number") {
      price.textContent = money.format(p.price);
    }
    text.appendChild(price);
    a.appendChild(text);
    li.appendChild(a);
    return li;
  }

  function fill(list, products, emptyText) {
    list.textContent = "";
    if (!products.length) {
      list.appendChild(el("li", "empty", emptyText));
      return;
    }
    products.forEach(function (p) { list.appendChild(productItem(p)); });
  }

  /* ---- Header search: results from /_reshelf/search as the shopper types. ---- */
  function setUpSearch(form) {
    var input = form.querySelector("input[name=query]");
    var panel = form.querySelector(".search-results");
    if (!input || !panel) return;
    var list = el("ul", "mini-products");
    var more = el("a", "search-more", "Ver todos os resultados");
    panel.appendChild(list);
    panel.appendChild(more);
    var timer = null;
    var asked = 0;

    function run() {
      var query = input.value.trim();
      if (query.length < 2) { panel.hidden = true; return; }
      var ticket = ++asked;
      more.href = "/search?query=" + encodeURIComponent(query);
      getJson(PREFIX + "/search?query=" + encodeURIComponent(query)).then(function (body) {
        if (ticket !== asked) return; // a newer search is under way
        var found = (body && Array.isArray(body.products) ? body.products : []).map(function (p) {
          return {
            name: p.name, price: p.price, salePrice: p.salePrice,
            image: p.images && p.images[0], link: p.link || "/product/" + encodeURIComponent(p.productId)
          };
        });
        fill(list, found, "Nada encontrado para \u201c" + query + "\u201d.");
        panel.hidden = false;
      });
    }

    input.setAttribute("autocomplete", "off");
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(timer);
      run();
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") panel.hidden = true;
    });
    document.addEventListener("click", function (e) {
      if (!form.contains(e.target)) panel.hidden = true;
    });
  }

  /* ---- Product page: "Shop the look" opens a drawer of the products that complete it. ---- */
  function setUpLook(box) {
    var id = box.getAttribute("data-product-id");
    var button = box.querySelector(".look-open");
    var drawer = box.querySelector(".drawer");
    if (!id || !button || !drawer) return;
    var list = drawer.querySelector(".mini-products");
    var close = drawer.querySelector(".drawer-close");

    function shut() {
      drawer.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }

    button.addEventListener("click", function () {
      drawer.hidden = false;
      button.setAttribute("aria-expanded", "true");
      list.textContent = "";
      list.appendChild(el("li", "empty", "Carregando sugest\u00f5es\u2026"));
      getJson(PREFIX + "/shop-the-look/" + encodeURIComponent(id))
        .then(function (look) {
          var ids = look && Array.isArray(look.products) ? look.products : [];
          if (!ids.length) return [];
          // The shop's own catalog API names the products and says what is in stock.
          var q = ids.map(encodeURIComponent).join(",");
          return getJson("/api/products?ids=" + q).then(function (body) {
            return (body && Array.isArray(body.products) ? body.products : [])
              .filter(function (p) { return p.inStock; });
          });
        })
        .then(function (products) {
          fill(list, products, "Nenhuma sugest\u00e3o para este produto agora.");
          if (close) close.focus();
        });
    });
    if (close) close.addEventListener("click", shut);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !drawer.hidden) shut();
    });
  }

  function start() {
    var form = document.getElementById("site-search");
    if (form) setUpSearch(form);
    var look = document.getElementById("shop-the-look");
    if (look) setUpLook(look);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
