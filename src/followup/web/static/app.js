// followup serve: enhancements only. Every action also works without this file (the form's
// buttons are plain submit buttons the server answers).
"use strict";

function renumber(container) {
  const rows = container.querySelectorAll(".history-row");
  rows.forEach(function (row, i) {
    row.dataset.row = String(i);
    row.querySelector("legend").textContent = "Event " + (i + 1);
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        const value = el.getAttribute(attr);
        if (value) {
          el.setAttribute(attr, value.replace(/history\.\d+\./g, "history." + i + "."));
        }
      });
    });
    const remove = row.querySelector(".remove-row");
    remove.value = "remove-row-" + i;
    remove.textContent = "Remove event " + (i + 1);
  });
}

function enhanceRows() {
  const container = document.getElementById("history-rows");
  const add = document.getElementById("add-row");
  if (!container || !add) {
    return;
  }
  add.addEventListener("click", function (event) {
    const rows = container.querySelectorAll(".history-row");
    if (rows.length === 0 || rows.length >= 20) {
      return; // let the server draw the form
    }
    event.preventDefault();
    const copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.tagName === "SELECT") {
        el.selectedIndex = 0;
      } else {
        el.value = "";
      }
      el.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".field-errors").forEach(function (el) { el.remove(); });
    copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    container.appendChild(copy);
    renumber(container);
    copy.querySelector("select").focus();
  });
  container.addEventListener("click", function (event) {
    const button = event.target.closest(".remove-row");
    if (!button || container.querySelectorAll(".history-row").length < 2) {
      return;
    }
    event.preventDefault();
    button.closest(".history-row").remove();
    renumber(container);
    add.focus();
  });
}

function enhanceCopy() {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById("copy-status");
    if (!source) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      const text = source.textContent;
      const done = function () { if (status) { status.textContent = "Copied. Paste it into your message."; } };
      const fallback = function () {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        const ok = document.execCommand && document.execCommand("copy");
        if (status) {
          status.textContent = ok ? "Copied. Paste it into your message." : "Selected: press Ctrl+C (or Cmd+C) to copy.";
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  enhanceRows();
  enhanceCopy();
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
