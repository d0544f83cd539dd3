// The read-only admin view: the token is sent as "Authorization: Bearer …" (kept in sessionStorage of
// this tab only), the data comes from /admin/api/overview and is inserted as text.
(() => {
  var T = null;
  var A = null;
  var view = document.getElementById('view');
  var status = document.getElementById('status');
  var tokenInput = document.getElementById('token');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function table(headers, rows) {
    if (!rows.length) return el('p', null, A.empty);
    var t = el('table');
    var tr = el('tr');
    headers.forEach((h) => {
      tr.appendChild(el('th', null, h));
    });
    t.appendChild(tr);
    rows.forEach((r) => {
      var row = el('tr');
      r.forEach((v) => {
        row.appendChild(el('td', null, v));
      });
      t.appendChild(row);
    });
    return t;
  }
  function section(title, node, id) {
    var s = el('section');
    if (id) s.id = id;
    s.appendChild(el('h2', null, title));
    s.appendChild(node);
    view.appendChild(s);
  }
  function get(path) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + tokenInput.value } }).then((res) =>
      res.json().then((j) => {
        if (!res.ok) throw new Error(j.message || res.status);
        return j;
      }),
    );
  }
  function when(ms) {
    return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  }

  function load() {
    status.textContent = '';
    get('/admin/api/overview').then(
      (d) => {
        sessionStorage.setItem('policybot-admin', tokenInput.value);
        view.textContent = '';
        section(
          A.gaps,
          table(
            [A.count, A.question, A.kinds, A.reason, A.best],
            d.gaps.map((g) => [
              g.count,
              [g.question].concat(g.variants).join(' / '),
              Object.keys(g.kinds)
                .map((k) => k + '×' + g.kinds[k])
                .join(' '),
              g.reasons.join(' / '),
              g.bestClause || '',
            ]),
          ),
          'gaps',
        );
        section(
          A.feedback,
          table(
            [A.rating, A.question, A.reason, A.best, ''],
            d.feedback.map((f) => [
              f.rating === 'up' ? '👍' : '👎',
              f.question,
              f.reason || '',
              (f.docId || '') + ' ' + (f.clause || ''),
              f.channel + ' ' + when(f.at),
            ]),
          ),
          'feedback',
        );
        section(
          A.documents,
          table(
            ['id', A.question, '', ''],
            d.documents.map((doc) => [
              doc.id,
              doc.title + (doc.docNumber ? ' ' + doc.docNumber : ''),
              doc.date,
              A.validity[doc.validity] || doc.validity,
            ]),
          ),
          'documents',
        );
        section(
          A.rules,
          table(
            ['id', A.question, A.best],
            d.rules.map((r) => [r.id, r.title, r.docId + ' ' + r.clause]),
          ),
          'rules',
        );
        section(
          A.handoffs,
          table(
            ['', '', ''],
            d.handoffs.map((h) => [h.reference, h.channel + ' ' + h.delivered, when(h.at)]),
          ),
          'handoffs',
        );
        if (d.broadcast) {
          var btn = el('button', 'ghost', A.broadcast);
          btn.type = 'button';
          var out = el('pre');
          btn.addEventListener('click', () => {
            out.textContent = '…';
            get('/admin/api/broadcast-preview').then(
              (p) => {
                out.textContent = JSON.stringify(p, null, 2);
              },
              (e) => {
                out.textContent = e.message;
              },
            );
          });
          var box = el('div');
          box.appendChild(btn);
          box.appendChild(out);
          section(A.broadcast, box, 'broadcast');
        }
      },
      (e) => {
        view.textContent = '';
        status.textContent = e.message;
      },
    );
  }

  document.getElementById('login').addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  fetch('/static/locale.json')
    .then((r) => r.json())
    .then((all) => {
      var lang = /^en\b/i.test(navigator.language || '') ? 'en' : 'zh';
      T = all[lang] || all.zh;
      A = T.admin;
      document.documentElement.lang = T.lang;
      document.title = A.title;
      document.getElementById('title').textContent = T.title + ' · ' + A.title;
      document.getElementById('token-label').textContent = A.tokenLabel;
      document.getElementById('load').textContent = A.load;
      var saved = sessionStorage.getItem('policybot-admin');
      if (saved) {
        tokenInput.value = saved;
        load();
      }
    });
})();
