// Intake form: as the operator types, show possible duplicates (the same number, or the
// same address and category, within 30 days) and the caller's earlier cases.
(function () {
  const form = document.getElementById("intake");
  const panel = document.getElementById("caller-history");
  if (!form || !panel) return;
  const phone = form.elements["caller_phone"];
  const address = form.elements["address"];
  const category = form.elements["category"];
  let timer = null;
  let last = null;
  function lookup() {
    const query = new URLSearchParams({
      phone: phone.value.trim().length >= 7 ? phone.value.trim() : "",
      address: address.value.trim(),
      category: category.value,
    }).toString();
    if (query === last) return;
    last = query;
    fetch(panel.dataset.url + "?" + query, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((html) => { if (html && query === last) panel.innerHTML = html; });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(lookup, 300); }
  [phone, address].forEach((el) => {
    el.addEventListener("input", soon);
    el.addEventListener("blur", lookup);
  });
  category.addEventListener("change", lookup);
  if (phone.value || address.value) lookup();
})();
