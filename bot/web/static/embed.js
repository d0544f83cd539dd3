// One <script src="https://<policybot host>/embed.js" defer></script> puts a chat button on any page;
// the chat opens in an iframe served by policybot (so the host page needs no CORS setting).
// Optional attributes on the script tag: data-lang="en", data-label="…" (button text).
(() => {
  var me = document.currentScript;
  if (!me || window.__policybotEmbed) return;
  window.__policybotEmbed = true;
  var origin = new URL(me.src, location.href).origin;
  var lang = me.getAttribute('data-lang') === 'en' ? 'en' : 'zh';
  function start(T) {
    var btn = document.createElement('button');
    btn.type = 'button';
    btn.textContent = me.getAttribute('data-label') || T.openChat;
    btn.setAttribute('aria-expanded', 'false');
    btn.style.cssText =
      'position:fixed;right:16px;bottom:16px;z-index:2147483000;min-height:48px;padding:0 18px;border:0;border-radius:24px;background:#0b5cad;color:#fff;font:16px system-ui,sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer';
    var frame = null;
    btn.addEventListener('click', () => {
      if (!frame) {
        frame = document.createElement('iframe');
        frame.src = origin + '/?embed=1&lang=' + lang;
        frame.title = T.title;
        frame.style.cssText =
          'position:fixed;right:16px;bottom:76px;z-index:2147483000;width:min(400px,calc(100vw - 32px));height:min(640px,calc(100vh - 96px));border:1px solid #d0d7de;border-radius:12px;background:#fff;box-shadow:0 4px 16px rgba(0,0,0,.25)';
        document.body.appendChild(frame);
      } else {
        frame.hidden = !frame.hidden;
      }
      var open = !frame.hidden;
      btn.setAttribute('aria-expanded', String(open));
      btn.textContent = open ? T.close : me.getAttribute('data-label') || T.openChat;
    });
    document.body.appendChild(btn);
  }
  fetch(origin + '/static/locale.json')
    .then((r) => r.json())
    .then((all) => {
      start(all[lang] || all.zh);
    });
})();
