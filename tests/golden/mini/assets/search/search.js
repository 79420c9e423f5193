/* Khabar's search page: Pagefind's default interface (pagefind-ui.js, loaded before this
   file) over the index khabar/search.py makes.

   searchKey mirrors khabar/search.py's search_key (text.match_key, then ASCII digits)
   character for character: every query goes through it, so a word typed with Arabic
   letters (ي ك), without its ZWNJ or with a space in its place, with Persian or Arabic
   digits or with diacritics finds the story. The index holds the same keys after the
   story's own words; each result's excerpt is made here from the story's own words (before
   the separator), marking the ones whose keys match, and shows the story's date above it.
   tests/test_search.py checks searchKey against search_key on every character. */
(function () {
  "use strict";

  var SEPARATOR = "\u2063"; // search.SEPARATOR: the story's words end here
  var EXCERPT = 30; // words, as Pagefind's own excerpts
  // text.clean: bidi controls, characters XML or HTML forbid (lone surrogates included)
  var CONTROLS = /[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]/gu;
  var ASTRAL = /[\u{10000}-\u{10ffff}]/gu; // kept, but for the noncharacters U+nFFFE/nFFFF
  var LETTERS = { "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u06d5": "\u0647" };
  var ARABIC = /[\u064a\u0649\u0643\u06d5]/g; // text.persian_letters
  var MARKS = /[\u064b-\u065f\u0670\u0640]/g; // text._MARKS: harakat, tatweel
  // Python's whitespace (str.isspace), not JavaScript's \s (which has U+FEFF)
  var WS = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var SPACES = new RegExp("[" + WS + "]+", "g");
  var ENDS = new RegExp("^[" + WS + "]+|[" + WS + "]+$", "g");
  var DIGITS = /[\u06f0-\u06f9\u0660-\u0669]/g;
  var CHEROKEE = /[\u13a0-\u13fd\uab70-\uabbf]/u; // str.casefold folds these to capitals
  var NOT_WORD = /[^\p{L}\p{M}\p{N}\p{Pc}]/gu;

  function drop(found) {
    return (found.codePointAt(0) & 0xfffe) === 0xfffe ? "" : found;
  }

  // str.casefold, one character at a time: upper then lower case gives it, but for
  // dotless i, capital sharp s and Cherokee
  function fold(ch) {
    if (ch === "\u0131") return ch;
    if (ch === "\u1e9e") return "ss";
    if (CHEROKEE.test(ch)) return ch.toUpperCase();
    return ch.toUpperCase().toLowerCase();
  }

  function searchKey(text) {
    var t = String(text).normalize("NFC").replace(CONTROLS, "").replace(ASTRAL, drop);
    t = t.replace(ARABIC, function (c) { return LETTERS[c]; }).replace(MARKS, "");
    t = t.replace(/\u200c/g, " ").replace(SPACES, " ").replace(ENDS, "");
    t = Array.from(t, fold).join("");
    return t.replace(DIGITS, function (d) {
      var code = d.charCodeAt(0);
      return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
    });
  }

  // The parts a word is found by: its key's words (a ZWNJ compound in two) and all of
  // them joined, without punctuation
  function parts(word) {
    var split = searchKey(word).split(" ").map(function (p) { return p.replace(NOT_WORD, ""); });
    split.push(split.join(""));
    return split.filter(Boolean);
  }

  function terms(query) {
    return searchKey(query).split(" ").map(function (p) { return p.replace(NOT_WORD, ""); })
      .filter(Boolean);
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  // A result's words as HTML, counted as Pagefind counts them for its excerpts and match
  // locations (its raw_content: the text with < and > escaped, split at zero-width spaces
  // when it has any)
  function wordsOf(result) {
    var raw = typeof result.raw_content === "string" ? result.raw_content.replace(/&(?!lt;|gt;)/g, "&amp;")
      : escapeHtml(result.content || "");
    return raw.indexOf("\u200b") >= 0 ? raw.split("\u200b") : raw.split(/[\r\n\s]+/g);
  }

  function textOf(html) {
    return html.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  }

  // A result's excerpt from the story's own words: the window of EXCERPT words with most
  // matches (Pagefind's, and the words whose keys start with a term of the query), after
  // the title and before the separator.
  function excerpt(result, query) {
    var words = wordsOf(result);
    var end = words.findIndex(function (w) { return w.indexOf(SEPARATOR) >= 0; });
    if (end < 0) end = words.length;
    var title = ((result.meta && result.meta.title) || "").split(/[\r\n\s]+/g).filter(Boolean);
    var start = Math.min(end, title.length);
    var wanted = terms(query);
    var marked = {};
    (result.locations || []).forEach(function (at) { if (at >= start && at < end) marked[at] = true; });
    if (wanted.length) {
      for (var i = start; i < end; i++) {
        var found = parts(textOf(words[i]));
        if (found.some(function (p) { return wanted.some(function (w) { return p.indexOf(w) === 0; }); })) {
          marked[i] = true;
        }
      }
    }
    var from = start, best = -1;
    for (var s = start; s < Math.max(start + 1, end - EXCERPT + 1); s++) {
      var n = 0;
      for (var k = s; k < Math.min(end, s + EXCERPT); k++) if (marked[k]) n++;
      if (n > best) { best = n; from = s; }
    }
    var to = Math.min(end, from + EXCERPT);
    var shown = [];
    for (var j = from; j < to; j++) shown.push(marked[j] ? "<mark>" + words[j] + "</mark>" : words[j]);
    return (from > start ? "… " : "") + shown.join(" ") + (to < end ? " …" : "");
  }

  function start() {
    var box = document.getElementById("search");
    if (!box || typeof PagefindUI === "undefined") return;
    var query = "";
    // one index a year (khabar/search.py): the newest is the bundle, the older ones merged
    var merged = (box.getAttribute("data-merge") || "").split(" ").filter(Boolean)
      .map(function (path) { return { bundlePath: path }; });
    var ui = new PagefindUI({
      element: "#search",
      bundlePath: box.getAttribute("data-bundle"),
      mergeIndex: merged,
      showSubResults: false,
      showImages: box.getAttribute("data-images") !== "no", // no empty column of pictures
      excerptLength: EXCERPT,
      processTerm: function (term) {
        query = term;
        return searchKey(term);
      },
      processResult: function (result) {
        // a story is indexed at its whole address, base URL's path and all
        // (khabar/search.py): not the one Pagefind makes by adding that path again
        if (typeof result.raw_url === "string") result.url = result.raw_url;
        var meta = result.meta || {};
        var date = meta.date ? '<time class="search-date" datetime="' + escapeHtml(meta.datetime || "") +
          '">' + escapeHtml(meta.date) + "</time> " : "";
        result.excerpt = date + excerpt(result, query);
        delete meta.date; // shown above the excerpt, not among the tags
        delete meta.datetime;
        return result;
      }
    });
    // the page's heading is the search box's visible label (Pagefind gives it a title only)
    var input = box.querySelector(".pagefind-ui__search-input");
    if (input && document.getElementById("search-title")) {
      input.setAttribute("aria-labelledby", "search-title");
    }
    var asked = new URLSearchParams(window.location.search).get("q");
    if (asked) ui.triggerSearch(asked);
    window.khabarSearch.ui = ui;
  }

  window.khabarSearch = { searchKey: searchKey, excerpt: excerpt, terms: terms };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
