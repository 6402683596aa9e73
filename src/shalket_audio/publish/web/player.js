// Chapter and transcript navigation for the episode page: no dependencies, no network.
// The sentence being spoken is highlighted (and its segment marked), the transcript scrolls with it, and
// selecting a sentence or a chapter plays from there.  Times come from the page's episode-data block.
(function () {
  "use strict";
  var audio = document.getElementById("player");
  var data = JSON.parse(document.getElementById("episode-data").textContent);
  var lines = Array.prototype.slice.call(document.querySelectorAll(".line"));
  var sentences = Array.prototype.slice.call(document.querySelectorAll(".sentence"));
  var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter"));
  var current = -1;
  var currentSentence = -1;
  var currentChapter = -1;
  var userScrolled = 0;  // when the listener last scrolled by hand: follow again a few seconds later

  function seek(seconds) {
    audio.currentTime = seconds;
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }

  function indexAt(spans, time) {
    // The last span that has started (binary search: an episode has thousands of sentences); a pause
    // belongs to the span before it.
    var low = 0, high = spans.length - 1, found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (spans[middle][0] <= time + 0.05) { found = middle; low = middle + 1; } else { high = middle - 1; }
    }
    return found;
  }

  function mark(list, index, previous, scroll) {
    if (index === previous) { return previous; }
    if (previous >= 0 && list[previous]) { list[previous].removeAttribute("aria-current"); }
    if (index >= 0 && list[index]) {
      list[index].setAttribute("aria-current", "true");
      if (scroll && Date.now() - userScrolled > 4000) {
        list[index].scrollIntoView({ block: "center", behavior: "smooth" });
      }
    }
    return index;
  }

  function update() {
    var time = audio.currentTime;
    var sentence = indexAt(data.sentences, time);
    currentSentence = mark(sentences, sentence, currentSentence, true);
    var segment = sentence >= 0 ? data.sentences[sentence][2] : indexAt(data.segments, time);
    current = mark(lines, segment, current, false);
    currentChapter = mark(chapters, indexAt(data.chapters, time), currentChapter, false);
  }

  chapters.forEach(function (button) {
    button.addEventListener("click", function () { seek(parseFloat(button.dataset.start)); });
  });
  sentences.forEach(function (button) {
    button.addEventListener("click", function () {
      userScrolled = 0;
      seek(parseFloat(button.dataset.start));
    });
  });
  ["wheel", "touchmove"].forEach(function (name) {
    window.addEventListener(name, function () { userScrolled = Date.now(); }, { passive: true });
  });
  audio.addEventListener("timeupdate", update);
  audio.addEventListener("seeked", update);
})();
