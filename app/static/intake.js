// Intake form: show the caller's earlier cases as soon as a number is typed.
(function () {
  const input = document.getElementById("caller_phone");
  const panel = document.getElementById("caller-history");
  if (!input || !panel) return;
  let timer = null;
  function lookup() {
    const phone = input.value.trim();
    if (phone.length < 7) return;
    fetch(panel.dataset.url + "?phone=" + encodeURIComponent(phone), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((html) => { if (html) panel.innerHTML = html; });
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 300); });
  input.addEventListener("blur", lookup);
  if (input.value) lookup();
})();
