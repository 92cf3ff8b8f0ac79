/* The grid worker's pages without signal (rentals/views/grid.py explains the design).
 *
 * - registers the service worker (/rentals/sw.js, scope /rentals/), which keeps the pages;
 * - on the today page, saves the day's houses and the checklist's categories in IndexedDB;
 * - on the inspection page, puts the submitted inspection (client_id = crypto.randomUUID())
 *   and its photos (Blobs, each with its own client_id) in the IndexedDB queue, instead of
 *   posting the form;
 * - sends the queue whenever there is signal (page load, the `online` event, "Sync now"): the
 *   batch to POST /api/v1/inspections/sync/, then each photo to
 *   POST /api/v1/inspections/{id}/photos/; only what the server answered `created` or
 *   `duplicate` (and each photo it stored) leaves the queue. `conflict` and `refused` stay,
 *   with the server's message, for the worker to discard or send again as new.
 *
 * Plain IndexedDB, no library. Without JavaScript the form posts to the page as usual.
 */
(function () {
  "use strict";

  var DB_NAME = "nanhai-rentals";
  var DB_VERSION = 1;
  var PROBLEM = { conflict: true, refused: true, photo_refused: true };
  var settings = readJson("grid-offline-settings") || {};
  var texts = {};
  var syncing = false;

  // --- Small helpers -------------------------------------------------------------------

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function text(key, values) {
    var message = texts[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      message = message.split("%(" + name + ")s").join(String(values[name]));
    });
    return message;
  }

  function loadTexts() {
    var template = document.getElementById("grid-texts");
    if (!template) return;
    template.content.querySelectorAll("[data-text]").forEach(function (span) {
      texts[span.dataset.text] = span.textContent;
    });
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // --- IndexedDB: the queue, the day's houses, the categories ---------------------------

  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var database = request.result;
          if (!database.objectStoreNames.contains("queue")) database.createObjectStore("queue", { keyPath: "client_id" });
          if (!database.objectStoreNames.contains("houses")) database.createObjectStore("houses", { keyPath: "id" });
          if (!database.objectStoreNames.contains("categories")) database.createObjectStore("categories", { keyPath: "code" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function withStore(name, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(name, mode);
        var result = work(transaction.objectStore(name));
        transaction.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function all(name) { return withStore(name, "readonly", function (store) { return store.getAll(); }); }

  // The queue of the worker signed in (another's stays on the phone until they sign in again).
  function myQueue() {
    return all("queue").then(function (entries) {
      return entries.filter(function (entry) { return entry.user === settings.user; });
    });
  }
  function get(name, key) { return withStore(name, "readonly", function (store) { return store.get(key); }); }
  function put(name, value) { return withStore(name, "readwrite", function (store) { store.put(value); }); }
  function remove(name, key) { return withStore(name, "readwrite", function (store) { store.delete(key); }); }

  function putAll(name, values) {
    return withStore(name, "readwrite", function (store) {
      values.forEach(function (value) { store.put(value); });
    });
  }

  function replaceAll(name, values) {
    return withStore(name, "readwrite", function (store) {
      store.clear();
      values.forEach(function (value) { store.put(value); });
    });
  }

  // --- The today page: keep the day for the offline inspection page ----------------------

  function saveDay() {
    var day = readJson("grid-day");
    if (!day || !navigator.onLine) return Promise.resolve();
    // The first page is the day (it replaces the stored houses); a later page adds its houses.
    var houses = day.page > 1 ? putAll("houses", day.houses) : replaceAll("houses", day.houses);
    return houses.then(function () { return replaceAll("categories", day.categories); });
  }

  // --- The queue panel ----------------------------------------------------------------

  function panel() { return document.querySelector("[data-queue]"); }

  function setState(message) {
    var element = document.querySelector("[data-queue-state]");
    if (element && element.textContent !== message) element.textContent = message;
  }

  function setProgress(done, total) {
    var bar = document.querySelector("[data-queue-progress]");
    if (!bar) return;
    bar.hidden = !total;
    bar.max = total || 1;
    bar.value = done;
  }

  function render(stateOverride) {
    var box = panel();
    if (!box) return Promise.resolve();
    return Promise.all([myQueue(), all("houses")]).then(function (found) {
      var entries = found[0];
      var houses = {};
      found[1].forEach(function (house) { houses[house.id] = house; });
      var waiting = entries.filter(function (entry) { return !PROBLEM[entry.state]; });
      var problems = entries.filter(function (entry) { return PROBLEM[entry.state]; });
      box.hidden = false;
      box.dataset.waiting = String(waiting.length);
      box.dataset.problems = String(problems.length);
      if (stateOverride) setState(stateOverride);
      else if (waiting.length && !navigator.onLine) setState(text("offline", { count: waiting.length }));
      else if (waiting.length) setState(text("waiting", { count: waiting.length }));
      else if (problems.length) setState(text("problems", { count: problems.length }));
      else setState(text("idle"));
      var list = box.querySelector("[data-queue-problems]");
      list.textContent = "";
      problems.forEach(function (entry) { list.appendChild(problemItem(entry, houses[entry.house])); });
    });
  }

  function problemItem(entry, house) {
    var item = document.createElement("li");
    item.dataset.clientId = entry.client_id;
    item.dataset.state = entry.state;
    var what = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = house ? house.address : entry.house_label || entry.house;
    what.appendChild(strong);
    item.appendChild(what);
    var why = document.createElement("p");
    why.className = "queue-message";
    why.textContent = entry.message || entry.code || "";
    item.appendChild(why);
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button";
    discard.textContent = text("discard");
    discard.addEventListener("click", function () { remove("queue", entry.client_id).then(function () { return render(); }); });
    item.appendChild(discard);
    if (entry.state === "conflict") {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "button";
      again.textContent = text("send-new");
      again.addEventListener("click", function () {
        var copy = Object.assign({}, entry, { client_id: newId(), state: "queued", message: "", code: "" });
        remove("queue", entry.client_id)
          .then(function () { return put("queue", copy); })
          .then(function () { return sync(); });
      });
      item.appendChild(again);
    }
    return item;
  }

  // --- Sending ---------------------------------------------------------------------------

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body),
    });
  }

  function errorMessage(response) {
    return response.json().then(
      function (body) { return (body && body.error && body.error.message) || response.statusText; },
      function () { return response.statusText; }
    );
  }

  function asItem(entry) {
    return {
      client_id: entry.client_id,
      house: entry.house,
      items: entry.items,
      inspected_at: entry.inspected_at,
      latitude: entry.latitude,
      longitude: entry.longitude,
      note: entry.note,
    };
  }

  function chunks(list, size) {
    var out = [];
    for (var start = 0; start < list.length; start += size) out.push(list.slice(start, start + size));
    return out;
  }

  // One batch to the server: each answer is kept on its entry.
  function sendBatch(entries) {
    return postJson(settings.sync_url, { inspections: entries.map(asItem) }).then(function (response) {
      if (response.status === 401 || response.status === 403) throw { signin: true };
      if (!response.ok) {
        return errorMessage(response).then(function (message) {
          // Refused whole (413 over the size limit, say): every entry says why, and stays.
          return Promise.all(entries.map(function (entry) {
            return put("queue", Object.assign(entry, { state: "refused", code: String(response.status), message: message }));
          }));
        });
      }
      return response.json().then(function (body) {
        return Promise.all((body.results || []).map(function (result) {
          var entry = entries[result.index];
          if (!entry) return null;
          if (result.result === "created" || result.result === "duplicate") {
            entry.state = "photos";
            entry.inspection = result.inspection;
          } else {
            entry.state = result.result === "conflict" ? "conflict" : "refused";
            entry.code = result.code || result.result;
            entry.message = result.message || result.code || result.result;
          }
          return put("queue", entry);
        }));
      });
    });
  }

  // Each photo of an inspection the server has: kept until the server stores it.
  function sendPhotos(entry, step) {
    var photos = (entry.photos || []).slice();
    var chain = Promise.resolve();
    photos.forEach(function (photo) {
      chain = chain.then(function () {
        var form = new FormData();
        form.append("file", photo.blob, photo.name || "photo.jpg");
        form.append("client_id", photo.client_id);
        if (photo.category) form.append("category", photo.category);
        var url = settings.photos_url.replace("{id}", entry.inspection);
        return fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          body: form,
        }).then(function (response) {
          if (response.status === 401 || response.status === 403) throw { signin: true };
          if (response.ok) {
            entry.photos = entry.photos.filter(function (kept) { return kept.client_id !== photo.client_id; });
            step();
            return put("queue", entry);
          }
          return errorMessage(response).then(function (message) {
            entry.state = "photo_refused";
            entry.code = String(response.status);
            entry.message = text("photo") + " " + (photo.name || "") + ": " + message;
            return put("queue", entry);
          });
        });
      });
    });
    return chain.then(function () {
      if (entry.state === "photos" && !(entry.photos || []).length) return remove("queue", entry.client_id);
      return null;
    });
  }

  function sync() {
    if (syncing || !panel()) return Promise.resolve();
    if (!navigator.onLine) return render();
    syncing = true;
    var sent = 0;
    var done = 0;
    var total = 0;
    function step() { done += 1; setProgress(done, total); setState(text("sending", { done: done, total: total })); }
    return myQueue()
      .then(function (entries) {
        var toSend = entries.filter(function (entry) { return entry.state === "queued"; });
        var photoEntries = entries.filter(function (entry) { return entry.state === "queued" || entry.state === "photos"; });
        total = toSend.length + photoEntries.reduce(function (sum, entry) { return sum + (entry.photos || []).length; }, 0);
        if (!total && !photoEntries.length) return null;
        setProgress(0, total);
        setState(text("sending", { done: 0, total: total }));
        var chain = Promise.resolve();
        chunks(toSend, Math.max(1, settings.batch_limit || 50)).forEach(function (batch) {
          chain = chain.then(function () { return sendBatch(batch); }).then(function () {
            batch.forEach(function () { step(); });
          });
        });
        return chain
          .then(function () { return myQueue(); })
          .then(function (now) {
            var withPhotos = now.filter(function (entry) { return entry.state === "photos"; });
            sent = withPhotos.length;
            var photoChain = Promise.resolve();
            withPhotos.forEach(function (entry) { photoChain = photoChain.then(function () { return sendPhotos(entry, step); }); });
            return photoChain;
          });
      })
      .then(function () {
        syncing = false;
        setProgress(0, 0);
        return myQueue().then(function (left) {
          if (!sent || left.length) return render();
          var note = document.querySelector("[data-queued-note]:not([hidden]) [data-queued-text]");
          if (note) note.textContent = text("sent", { count: sent });
          return render(text("sent", { count: sent }));
        });
      })
      .catch(function (error) {
        syncing = false;
        setProgress(0, 0);
        return myQueue().then(function (left) {
          var waiting = left.filter(function (entry) { return !PROBLEM[entry.state]; }).length;
          return render(error && error.signin ? text("signin", { count: waiting }) : text("failed", { count: waiting }));
        });
      });
  }

  // --- The inspection form -------------------------------------------------------------

  function houseIdFromPath() {
    var match = location.pathname.match(/\/houses\/([0-9a-f-]{36})\/inspect\/?$/i);
    return match ? match[1] : "";
  }

  // The offline page has no house: fill it in from the day saved on the phone.
  function fillShell(form) {
    var houseId = houseIdFromPath();
    form.dataset.house = houseId;
    return get("houses", houseId).then(function (house) {
      var head = document.querySelector("[data-house-head]");
      if (!house) {
        head.querySelector("[data-house-field=address]").textContent = text("house-unknown");
        return;
      }
      head.querySelector("[data-house-field=address]").textContent = house.address;
      head.querySelector("[data-house-field=grid]").textContent = house.grid;
      head.querySelector("[data-house-field=risk_class]").textContent = house.risk_class;
      if (house.last_inspected) head.querySelector("[data-house-field=last_inspected]").textContent = house.last_inspected;
      document.title = house.address + " · " + document.title;
    });
  }

  // Phone photos are large: sent as JPEGs of at most 1600 px (the original when that fails).
  function shrink(file) {
    if (!window.createImageBitmap || !/^image\//.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1500000) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function showPhotos(input) {
    var list = document.querySelector("[data-photo-list]");
    if (!list) return;
    list.textContent = "";
    Array.prototype.forEach.call(input.files || [], function (file, index) {
      var item = document.createElement("li");
      var image = document.createElement("img");
      image.alt = text("photo") + " " + (index + 1) + ": " + file.name;
      image.src = URL.createObjectURL(file);
      item.appendChild(image);
      list.appendChild(item);
    });
  }

  function setUpLocation(form) {
    var box = form.querySelector("[data-location]");
    if (!box || !navigator.geolocation) return;
    box.hidden = false;
    var state = box.querySelector("[data-location-state]");
    box.querySelector("[data-locate]").addEventListener("click", function () {
      state.textContent = text("locating");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.latitude.value = position.coords.latitude.toFixed(6);
          form.elements.longitude.value = position.coords.longitude.toFixed(6);
          state.textContent = text("located", { metres: Math.round(position.coords.accuracy) });
        },
        function () { state.textContent = text("no-location"); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function readForm(form) {
    var items = [];
    form.querySelectorAll(".check-item").forEach(function (item) {
      var checked = item.querySelector("input[type=radio]:checked");
      if (!checked) return;
      var code = checked.name.replace(/^result_/, "");
      var note = form.elements["note_" + code];
      items.push({ category: code, result: checked.value, note: note ? note.value.trim() : "" });
    });
    var latitude = form.elements.latitude.value;
    var longitude = form.elements.longitude.value;
    return {
      client_id: newId(),
      user: settings.user,
      house: form.dataset.house,
      house_label: (document.querySelector("[data-house-field=address]") || {}).textContent || "",
      items: items,
      inspected_at: new Date().toISOString(),
      latitude: latitude ? latitude : null,
      longitude: longitude ? longitude : null,
      note: form.elements.note.value.trim(),
      state: "queued",
      queued_at: new Date().toISOString(),
      photos: [],
    };
  }

  function queueInspection(form) {
    var entry = readForm(form);
    var files = Array.prototype.slice.call(form.elements.photos.files || []);
    return Promise.all(files.map(shrink)).then(function (blobs) {
      entry.photos = blobs.map(function (blob, index) {
        // A Blob, not a File: IndexedDB keeps both, a Blob everywhere.
        return { client_id: newId(), blob: new Blob([blob], { type: blob.type || files[index].type }), name: files[index].name };
      });
      return put("queue", entry);
    }).then(function () {
      form.reset();
      showPhotos(form.elements.photos);
      var note = document.querySelector("[data-queued-note]");
      note.hidden = false;
      note.querySelector("[data-queued-text]").textContent = text("queued");
      note.focus();
      form.hidden = true;
      return render();
    }).then(function () { return sync(); });
  }

  function setUpForm() {
    var form = document.querySelector("[data-inspect-form]");
    if (!form || !window.indexedDB) return Promise.resolve();
    setUpLocation(form);
    form.elements.photos.addEventListener("change", function () { showPhotos(form.elements.photos); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("[type=submit]");
      button.disabled = true;
      queueInspection(form).catch(function () {
        button.disabled = false;
        form.submit(); // IndexedDB refused (private mode, storage full): post the form as it is
      });
    });
    return "offlineShell" in form.dataset ? fillShell(form) : Promise.resolve();
  }

  // --- Start ---------------------------------------------------------------------------

  function start() {
    loadTexts();
    if (!window.indexedDB) return;
    if ("serviceWorker" in navigator && settings.sw_url) {
      navigator.serviceWorker.register(settings.sw_url, { scope: "/rentals/" }).catch(function () { /* pages still work online */ });
    }
    var button = document.querySelector("[data-sync-now]");
    if (button) button.addEventListener("click", function () { sync(); });
    window.addEventListener("online", function () { sync(); });
    window.addEventListener("offline", function () { render(); });
    Promise.all([saveDay(), setUpForm()])
      .then(function () { return render(); })
      .then(function () { return sync(); })
      .finally(function () { document.documentElement.dataset.gridReady = "true"; });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
