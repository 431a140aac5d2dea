// The staff inbox: a "choose all" box for the bulk actions. Without JavaScript each report
// is chosen on its own, which is enough.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("bulk");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll("input.pick"));
  if (boxes.length < 2) return;
  const label = document.createElement("label");
  const all = document.createElement("input");
  all.type = "checkbox";
  all.addEventListener("change", () => boxes.forEach((box) => { box.checked = all.checked; }));
  label.className = "choose-all";
  label.append(all, " ", form.dataset.chooseAll || "");
  form.prepend(label);
});
