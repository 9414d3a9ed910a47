// 网上报事: the citizen may share the phone's position (the browser asks first); it is sent
// with the report as WGS84 degrees. Without the Geolocation API the button stays hidden.
(function () {
  const box = document.getElementById("location");
  const button = document.getElementById("share-location");
  if (!box || !button || !navigator.geolocation) return;
  const state = document.getElementById("location-state");
  const latitude = box.querySelector('input[name="latitude"]');
  const longitude = box.querySelector('input[name="longitude"]');
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        state.textContent = box.dataset.found.replace(
          "PLACE", latitude.value + ", " + longitude.value);
        button.disabled = false;
      },
      function () {
        state.textContent = box.dataset.failed;
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
