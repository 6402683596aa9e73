// Chapter and transcript navigation for the episode page: no dependencies, no network.
(function () {
  "use strict";
  var audio = document.getElementById("player");
  var data = JSON.parse(document.getElementById("episode-data").textContent);
  var lines = Array.prototype.slice.call(document.querySelectorAll(".line"));
  var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter"));
  var current = -1;
  var currentChapter = -1;

  function seek(seconds) {
    audio.currentTime = seconds;
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }

  function indexAt(spans, time) {
    // The last span that has started; a pause belongs to the line before it.
    var found = -1;
    for (var i = 0; i < spans.length; i++) {
      if (spans[i][0] <= time + 0.05) { found = i; } else { break; }
    }
    return found;
  }

  function mark(list, index, previous, scroll) {
    if (index === previous) { return previous; }
    if (previous >= 0 && list[previous]) { list[previous].removeAttribute("aria-current"); }
    if (index >= 0 && list[index]) {
      list[index].setAttribute("aria-current", "true");
      if (scroll) { list[index].scrollIntoView({ block: "nearest", behavior: "smooth" }); }
    }
    return index;
  }

  function update() {
    var time = audio.currentTime;
    current = mark(lines, indexAt(data.segments, time), current, true);
    currentChapter = mark(chapters, indexAt(data.chapters, time), currentChapter, false);
  }

  chapters.forEach(function (button) {
    button.addEventListener("click", function () { seek(parseFloat(button.dataset.start)); });
  });
  lines.forEach(function (button) {
    button.addEventListener("click", function () { seek(parseFloat(button.dataset.start)); });
  });
  audio.addEventListener("timeupdate", update);
  audio.addEventListener("seeked", update);
})();
