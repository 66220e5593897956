// The change form's search and sharing preview (briefings/newsroom/search_preview.py):
// the result and the card follow the fields as the editor types, with the page's own
// fallbacks (briefings/seo.py): the headline and the site's name for the title, the
// summary for the description. Beside the search title and description, a counter gives
// the length guidance (about 60 and 155 characters) and warns beyond it, never refusing.
(function () {
  "use strict";
  var preview = document.getElementById("seo-preview");
  if (!preview) {
    return;
  }
  function field(name) {
    return document.getElementById("id_" + name);
  }
  function value(name) {
    var input = field(name);
    return input ? input.value.replace(/\s+/g, " ").trim() : "";
  }
  function cut(text, limit) {
    if (text.length <= limit) {
      return text;
    }
    var head = text.slice(0, limit);
    var space = head.lastIndexOf(" ");
    if (space > 0) {
      head = head.slice(0, space);
    }
    return head.replace(/[ ,;:.·\-]+$/, "") + " …";
  }
  function show(name, text) {
    var node = preview.querySelector("[data-preview='" + name + "']");
    if (node) {
      node.textContent = text;
    }
  }
  var siteName = preview.getAttribute("data-site-name");
  var titleGuide = parseInt(preview.getAttribute("data-title-guide"), 10);
  var descriptionGuide = parseInt(preview.getAttribute("data-description-guide"), 10);

  function counter(name, guide, fallbackLabel) {
    var input = field(name);
    if (!input) {
      return null;
    }
    var node = document.createElement("p");
    node.className = "newsroom-counter";
    node.id = "counter-" + name;
    node.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", node);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + node.id);
    return function (effective) {
      var own = value(name).length;
      var length = effective.length;
      var text;
      if (!own) {
        text = "Empty: " + fallbackLabel + " is used (" + length + " characters).";
      } else {
        text = own + " characters; about " + guide + " show in search results.";
      }
      if (length > guide) {
        text += " Longer than about " + guide + ": search results will cut it.";
      }
      node.textContent = text;
      node.setAttribute("data-state", length > guide ? "long" : "ok");
    };
  }
  var titleCounter = counter("meta_title", titleGuide, "the headline with the site's name");
  var descriptionCounter = counter("meta_description", descriptionGuide, "the summary");

  function update() {
    var resultTitle =
      value("meta_title") || (value("title") ? value("title") + " · " : "") + siteName;
    var cardTitle = value("meta_title") || value("title");
    var description = value("meta_description") || value("summary");
    var slug = value("slug");
    var path = (
      preview.getAttribute("data-path-prefix") +
      slug +
      preview.getAttribute("data-path-suffix")
    )
      .split("/")
      .filter(Boolean);
    show("url", [preview.getAttribute("data-host")].concat(path).join(" › "));
    show("result-title", cut(resultTitle, titleGuide));
    show("result-description", cut(description, descriptionGuide));
    show("card-title", cardTitle);
    show("card-description", description);
    if (titleCounter) {
      titleCounter(resultTitle);
    }
    if (descriptionCounter) {
      descriptionCounter(description);
    }
  }
  ["meta_title", "meta_description", "title", "summary", "slug"].forEach(function (name) {
    var input = field(name);
    if (input) {
      input.addEventListener("input", update);
    }
  });
  update();
})();
