// The Portcullis console's only script: the session replay player. Without it the replay page shows
// every step at once; with it, steps appear one at a time (first / previous / next / play / show all,
// or the arrow keys), and play waits the recorded time between requests (at least 0.3 s, at most 2 s).
"use strict";
(function () {
  var list = document.querySelector("ol.replay");
  var controls = document.querySelector(".replay-controls");
  if (!list || !controls) return;
  var steps = Array.prototype.slice.call(list.querySelectorAll("li.step"));
  var counter = controls.querySelector("[data-replay-current]");
  var buttons = {};
  Array.prototype.forEach.call(controls.querySelectorAll("button[data-replay]"), function (b) {
    buttons[b.getAttribute("data-replay")] = b;
  });
  var current = 0;
  var timer = null;

  // A step with a terminal plays it too: its output chunks appear at their recorded times (each gap
  // at most 1 s). Any other way of reaching a step shows its terminal whole.
  var terminalTimer = null;
  function showTerminal(step, animate) {
    if (terminalTimer !== null) clearTimeout(terminalTimer);
    terminalTimer = null;
    var chunks = Array.prototype.slice.call(step.querySelectorAll("pre.terminal span[data-t-ms]"));
    chunks.forEach(function (c) { c.hidden = animate; });
    var i = 0;
    function reveal() {
      if (i >= chunks.length) return;
      chunks[i].hidden = false;
      var gap = i + 1 < chunks.length ? Number(chunks[i + 1].getAttribute("data-t-ms")) - Number(chunks[i].getAttribute("data-t-ms")) : 0;
      i += 1;
      terminalTimer = setTimeout(reveal, Math.min(1000, Math.max(0, gap)));
    }
    if (animate) reveal();
  }

  function show(n, animate) {
    current = Math.max(1, Math.min(steps.length, n));
    steps.forEach(function (step, i) {
      step.classList.toggle("later", i >= current);
      step.classList.toggle("current", i === current - 1);
    });
    counter.textContent = String(current);
    buttons.first.disabled = buttons.prev.disabled = current === 1;
    buttons.next.disabled = current === steps.length;
    steps[current - 1].scrollIntoView({ block: "nearest" });
    showTerminal(steps[current - 1], animate === true);
  }

  function offset(i) {
    return Number(steps[i].getAttribute("data-offset-ms")) || 0;
  }

  function stop() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    buttons.play.textContent = "▶▶ Play";
  }

  function playNext() {
    if (current >= steps.length) return stop();
    var wait = Math.min(2000, Math.max(300, offset(current) - offset(current - 1)));
    timer = setTimeout(function () {
      show(current + 1, true);
      playNext();
    }, wait);
  }

  buttons.first.addEventListener("click", function () { stop(); show(1); });
  buttons.prev.addEventListener("click", function () { stop(); show(current - 1); });
  buttons.next.addEventListener("click", function () { stop(); show(current + 1); });
  buttons.all.addEventListener("click", function () { stop(); show(steps.length); });
  buttons.play.addEventListener("click", function () {
    if (timer !== null) return stop();
    if (current >= steps.length) show(1);
    buttons.play.textContent = "❚❚ Pause";
    playNext();
  });
  document.addEventListener("keydown", function (event) {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.key === "ArrowRight") { stop(); show(current + 1); }
    if (event.key === "ArrowLeft") { stop(); show(current - 1); }
  });
  controls.hidden = false;
  show(1);
})();
