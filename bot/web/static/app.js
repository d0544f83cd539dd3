// The web chat (no build step). Every sentence comes from /static/locale.json; everything the reply
// contains is inserted with textContent (inert: a <script> in a question or answer stays text).
(() => {
  var params = new URLSearchParams(location.search);
  var lang = params.get('lang') === 'en' || (!params.get('lang') && /^en\b/i.test(navigator.language || '')) ? 'en' : 'zh';
  var T = null;
  var conversationId = null;
  var busy = false;
  var log = document.getElementById('log');
  var form = document.getElementById('ask');
  var input = document.getElementById('text');
  var sendBtn = document.getElementById('send');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function item(kind) {
    var li = el('li', 'msg ' + kind);
    log.appendChild(li);
    return li;
  }
  function scrollDown() {
    window.scrollTo(0, document.body.scrollHeight);
  }

  function setup() {
    document.documentElement.lang = T.lang;
    document.title = T.title;
    document.getElementById('title').textContent = T.title;
    document.getElementById('subtitle').textContent = T.subtitle;
    document.getElementById('restart').textContent = T.newConversation;
    document.getElementById('text-label').textContent = T.inputLabel;
    input.placeholder = T.placeholder;
    sendBtn.textContent = T.send;
    document.getElementById('handoff').textContent = T.handoff;
    var ns = document.getElementById('noscript');
    if (ns) ns.textContent = T.noscript;
    welcome();
  }

  function welcome() {
    log.textContent = '';
    var li = item('bot welcome');
    li.appendChild(el('p', null, T.welcome));
    var list = el('div', 'choices');
    T.examples.forEach((q) => {
      var b = el('button', 'choice', q);
      b.type = 'button';
      b.addEventListener('click', () => {
        ask(q);
      });
      list.appendChild(b);
    });
    li.appendChild(list);
  }

  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': lang },
      body: JSON.stringify(body),
    }).then((res) =>
      res
        .json()
        .catch(() => ({}))
        .then((json) => {
          if (!res.ok) {
            var err = new Error(json?.message ? json.message : T.error);
            err.code = json?.error;
            throw err;
          }
          return json;
        }),
    );
  }

  // Today's answer text: first line is the answer line; lines starting with ✓ ✗ ？ · are the
  // conditions; 「…」 and ——… are the quote and its source (shown in the citation card instead).
  function splitAnswer(answer) {
    var lines = String(answer || '').split('\n');
    var out = { head: lines[0] || '', conditions: [], notes: [] };
    for (var i = 1; i < lines.length; i++) {
      var line = lines[i].trim();
      if (!line) continue;
      if (/^[✓✗？?·×]/.test(line)) out.conditions.push(line);
      else if (/^[「—]/.test(line)) continue;
      else out.notes.push(line);
    }
    return out;
  }

  // The structured reply (`blocks`, bot/reply/blocks.ts): the same default view as the other channels —
  // answer line, conditions (✓/✗ only for a fact the person gave; otherwise shown as assumed), the quote
  // as a citation card, at most two notes with the rest behind 详情, the follow-up.
  var NOTES_SHOWN = 2;
  function shownStatus(c) {
    if ((c.status === 'pass' || c.status === 'fail') && !c.source) return 'assumed';
    return c.status;
  }
  function citationCard(text, c) {
    var card = el('figure', 'citation');
    card.setAttribute('aria-label', T.citation);
    if (text) card.appendChild(el('blockquote', null, text));
    var cap = el('figcaption');
    cap.appendChild(el('cite', null, c.title));
    var meta = [c.docNumber, T.clause + ' ' + c.clause, c.date].filter(Boolean).join(' · ');
    cap.appendChild(el('span', 'meta', meta));
    card.appendChild(cap);
    return card;
  }
  function blocksView(r, li) {
    var b = r.blocks;
    if (r.eligibility && T.verdict[r.eligibility.verdict]) {
      var badge = el('p', 'verdict verdict-' + r.eligibility.verdict, T.verdict[r.eligibility.verdict]);
      badge.dataset.verdict = r.eligibility.verdict;
      li.appendChild(badge);
    }
    li.appendChild(el('p', 'answer-line', b.answer.text));
    if (b.conditions.length) {
      var box = el('section', 'conditions');
      box.setAttribute('aria-label', T.conditions);
      box.appendChild(el('h2', null, T.conditions));
      var ul = el('ul');
      b.conditions.forEach((c) => {
        var st = shownStatus(c);
        var text = c.label + (c.display ? '：' + c.display : '') + ' · ' + (T.status[st] || st);
        ul.appendChild(el('li', 'cond cond-' + st, text));
      });
      box.appendChild(ul);
      li.appendChild(box);
    }
    if (b.quote) li.appendChild(citationCard(b.quote.text, b.quote.citation));
    var notes = b.notes.slice().sort((x, y) => x.priority - y.priority);
    notes.slice(0, NOTES_SHOWN).forEach((n) => {
      li.appendChild(el('p', 'note note-' + n.kind, n.text));
    });
    var rest = notes.slice(NOTES_SHOWN);
    if (rest.length || b.related.length) {
      var det = el('details', 'notes');
      det.appendChild(el('summary', null, T.details));
      rest.forEach((n) => {
        det.appendChild(el('p', null, n.text));
      });
      b.related.forEach((x) => {
        det.appendChild(citationCard(x.heading, x.citation));
      });
      li.appendChild(det);
    }
  }

  function renderReply(r) {
    var li = item('bot');
    li.dataset.turn = r.turn;
    if (r.blocks) {
      blocksView(r, li);
      followUpView(r.blocks.followUp, li);
      return finishReply(r, li);
    }
    var parts = splitAnswer(r.answer);
    if (r.eligibility && T.verdict[r.eligibility.verdict]) {
      var badge = el('p', 'verdict verdict-' + r.eligibility.verdict, T.verdict[r.eligibility.verdict]);
      badge.dataset.verdict = r.eligibility.verdict;
      li.appendChild(badge);
    }
    li.appendChild(el('p', 'answer-line', parts.head));
    var conds = r.eligibility ? r.eligibility.conditions : [];
    var labelled = conds.length && conds.every((c) => c.label);
    if (labelled || parts.conditions.length) {
      var box = el('section', 'conditions');
      box.setAttribute('aria-label', T.conditions);
      box.appendChild(el('h2', null, T.conditions));
      var ul = el('ul');
      if (labelled) {
        conds.forEach((c) => {
          var row = el('li', 'cond cond-' + c.status, c.label + '：' + (T.status[c.status] || c.status));
          ul.appendChild(row);
        });
      } else {
        parts.conditions.forEach((line) => {
          var status = /^✓/.test(line) ? 'pass' : /^[✗×]/.test(line) ? 'fail' : /^[？?]/.test(line) ? 'unknown' : 'assumed';
          ul.appendChild(el('li', 'cond cond-' + status, line));
        });
      }
      box.appendChild(ul);
      li.appendChild(box);
    }
    (r.citations || []).slice(0, 3).forEach((c) => {
      var card = el('figure', 'citation');
      card.setAttribute('aria-label', T.citation);
      card.appendChild(el('blockquote', null, c.text));
      var cap = el('figcaption');
      cap.appendChild(el('cite', null, c.title));
      var meta = [c.docNumber, T.clause + ' ' + c.clause, c.date].filter(Boolean).join(' · ');
      cap.appendChild(el('span', 'meta', meta));
      card.appendChild(cap);
      li.appendChild(card);
    });
    if (parts.notes.length) {
      var det = el('details', 'notes');
      det.appendChild(el('summary', null, T.details));
      parts.notes.forEach((n) => {
        det.appendChild(el('p', null, n));
      });
      li.appendChild(det);
    }
    followUpView(r.followUp, li);
    finishReply(r, li);
  }

  function followUpView(followUp, li) {
    if (followUp) {
      var fu = el('div', 'follow-up');
      fu.appendChild(el('p', 'question', followUp.question));
      if (followUp.choices?.length) {
        var choices = el('div', 'choices');
        choices.setAttribute('role', 'group');
        choices.setAttribute('aria-label', T.followUpLabel);
        followUp.choices.forEach((ch) => {
          var b = el('button', 'choice', ch.label);
          b.type = 'button';
          b.addEventListener('click', () => {
            Array.prototype.forEach.call(choices.querySelectorAll('button'), (x) => {
              x.disabled = true;
            });
            ask(ch.label);
          });
          choices.appendChild(b);
        });
        fu.appendChild(choices);
      }
      li.appendChild(fu);
    }
  }

  function finishReply(r, li) {
    li.appendChild(feedbackRow(r.turn));
    if (r.handoff?.offered) {
      var offer = el('button', 'handoff inline', T.handoff);
      offer.type = 'button';
      offer.addEventListener('click', handoff);
      li.appendChild(offer);
    }
    scrollDown();
  }

  function feedbackRow(turn) {
    var box = el('div', 'feedback');
    box.appendChild(el('span', 'feedback-q', T.helpful));
    var up = el('button', 'rate up', '👍');
    var down = el('button', 'rate down', '👎');
    up.type = down.type = 'button';
    up.setAttribute('aria-label', T.thumbsUp);
    down.setAttribute('aria-label', T.thumbsDown);
    box.appendChild(up);
    box.appendChild(down);
    up.addEventListener('click', () => {
      post('/api/feedback', { conversationId: conversationId, turn: turn, rating: 'up' }).then(() => {
        thanks(box);
      }, showError);
    });
    down.addEventListener('click', () => {
      if (box.querySelector('form')) return;
      var f = el('form', 'reason');
      var id = 'reason-' + turn;
      var label = el('label', null, T.reasonLabel);
      label.htmlFor = id;
      var text = el('input');
      text.id = id;
      text.maxLength = 300;
      text.placeholder = T.reasonPlaceholder;
      var submit = el('button', null, T.reasonSubmit);
      submit.type = 'submit';
      f.appendChild(label);
      f.appendChild(text);
      f.appendChild(submit);
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        post('/api/feedback', { conversationId: conversationId, turn: turn, rating: 'down', reason: text.value.trim() || null }).then(
          () => {
            thanks(box);
          },
          showError,
        );
      });
      box.appendChild(f);
      text.focus();
    });
    return box;
  }

  function thanks(box) {
    box.textContent = '';
    box.appendChild(el('span', 'thanks', T.thanks));
  }

  function showError(err) {
    var li = item('bot error');
    li.setAttribute('role', 'alert');
    li.textContent = err?.message || T.error;
    scrollDown();
  }

  function ask(text) {
    text = String(text || '').trim();
    if (!text || busy) return;
    busy = true;
    sendBtn.disabled = true;
    item('user').textContent = text;
    var wait = item('bot pending');
    wait.textContent = T.sending;
    scrollDown();
    var body = { text: text, lang: lang };
    if (conversationId) body.conversationId = conversationId;
    post('/api/chat', body)
      .then(
        (r) => {
          conversationId = r.conversationId;
          wait.remove();
          renderReply(r);
        },
        (err) => {
          wait.remove();
          if (err.code === 'unknown_conversation') conversationId = null; // expired or swept: the next message starts anew
          showError(err);
        },
      )
      .then(() => {
        busy = false;
        sendBtn.disabled = false;
      });
  }

  function handoff() {
    if (!conversationId) {
      showError({ message: T.handoffNoConversation });
      return;
    }
    post('/api/handoff', { conversationId: conversationId, lang: lang }).then((h) => {
      var li = item('bot packet');
      li.appendChild(el('p', null, T.handoffIntro));
      li.appendChild(el('p', 'reference', T.handoffReference + '：' + h.reference));
      if (h.delivered?.length) li.appendChild(el('p', 'delivered', T.handoffDelivered));
      var pre = el('pre', 'packet-text', h.text);
      li.appendChild(pre);
      var copy = el('button', 'ghost', T.copy);
      copy.type = 'button';
      copy.addEventListener('click', () => {
        if (navigator.clipboard)
          navigator.clipboard.writeText(h.text).then(
            () => {
              copy.textContent = T.copied;
            },
            () => {},
          );
      });
      li.appendChild(copy);
      scrollDown();
    }, showError);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    var text = input.value;
    input.value = '';
    ask(text);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById('restart').addEventListener('click', () => {
    conversationId = null;
    welcome();
    input.focus();
  });
  document.getElementById('handoff').addEventListener('click', handoff);

  fetch('/static/locale.json')
    .then((r) => r.json())
    .then((all) => {
      T = all[lang] || all.zh;
      setup();
    });
})();
