/**
 * FakeAssistant: a small deterministic test double of the `Assistant` contract, for testing the Telegram
 * channel without the retrieval index. It is NOT the real assistant: it knows one made-up rule
 * ("fake-settlement") with three facts asked one by one, one information answer, an abstention, a
 * long answer, and a failure.
 */
import type { Assistant, ConversationState, FollowUp, Reply } from '../../bot/assistant/types.ts';
import type { ReplyBlocks } from '../../bot/reply/blocks.ts';
import type { DocumentMeta } from '../../retrieval/types.ts';

const RANK: FollowUp = {
  fact: 'rankBand',
  question: '您毕业院校的世界排名大约在哪个区间？',
  choices: [
    { label: '前50', value: 'top50' },
    { label: '51–100', value: '51-100' },
    { label: '100名以外', value: 'over100' },
    { label: '不清楚', value: 'unknown' },
  ],
};
const FULLTIME: FollowUp = {
  fact: 'fullTimeInShanghai',
  question: '您目前是否在上海全职工作？',
  choices: [
    { label: '是', value: 'yes' },
    { label: '否', value: 'no' },
  ],
};
const MONTHS: FollowUp = { fact: 'socialInsuranceMonths', question: '您在上海连续缴纳社保多少个月？（直接输入数字）' };
const ORDER = [RANK, FULLTIME, MONTHS];

const CITE = {
  docId: 'fake-doc-1',
  title: '关于测试<人才>引进的通知',
  docNumber: '测人社〔2099〕1号',
  clause: '三',
  text: '世界排名前五十名院校的毕业生，来沪全职工作后可直接申办本市户籍。',
  score: 0.9,
  date: '2099-01-02',
};

/** Reply blocks as the real assistant returns them: an answer line, optional conditions, quote and question. */
function blocks(kind: ReplyBlocks['kind'], text: string, more: Partial<ReplyBlocks> = {}): ReplyBlocks {
  return { version: 1, kind, lang: 'zh', answer: { text }, conditions: [], quote: null, notes: [], related: [], followUp: null, ...more };
}

const QUOTED = (text: string) => ({
  heading: null,
  text,
  answer: null,
  citation: {
    docId: CITE.docId,
    clauseId: `${CITE.docId}#三`,
    title: CITE.title,
    docNumber: CITE.docNumber,
    clause: '三',
    date: CITE.date,
  },
});

const followUpBlock = (f: FollowUp) => ({ fact: f.fact, question: f.question, choices: f.choices ?? [] });

/** Marker text that only appears when the assistant echoes the user's personal facts. */
export const PERSONAL_MARKER = '您提供的情况';

export class FakeAssistant implements Assistant {
  /** Every call, in order: the text and the state passed in. */
  calls: { text: string; state: ConversationState | undefined; asOf: string }[] = [];
  /** Optional artificial delay per reply (ms). */
  delayMs = 0;

  sources(): (DocumentMeta & { id: string })[] {
    return [
      {
        id: 'fake-doc-1',
        title: '关于测试<人才>引进的通知',
        docNumber: '测人社〔2099〕1号',
        issuer: '测试局',
        date: '2099-01-02',
        level: 'municipal',
      },
      {
        id: 'fake-doc-2',
        title: '宝山区测试措施',
        docNumber: '宝测〔2098〕8号',
        issuer: '宝山区测试局',
        date: '2098-05-20',
        level: 'district',
        district: '宝山',
      },
      { id: 'fake-doc-3', title: '杨浦区测试答复', issuer: '杨浦区测试局', date: '2097-03-01', level: 'district', district: '杨浦' },
    ];
  }

  async reply(
    state: ConversationState | undefined,
    text: string,
    asOf: string,
    now = Date.now(),
  ): Promise<{ reply: Reply; state: ConversationState }> {
    this.calls.push({ text, state: state ? structuredClone(state) : undefined, asOf });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const base: ConversationState = state
      ? { ...state, facts: { ...state.facts } }
      : { facts: {}, openQuestion: null, ruleId: null, updatedAt: now };
    base.updatedAt = now;
    const facts = base.facts;
    const mk = (r: Partial<Reply>): Reply => ({
      question: text,
      answer: '',
      grounded: true,
      citations: [],
      eligibility: null,
      route: 'information',
      ...r,
    });

    if (text.includes('boom')) throw new Error('fake assistant failure');
    if (text.includes('长答案')) {
      const clauses = Array.from(
        { length: 40 },
        (_, i) => `${i + 1}. 第${i + 1}项测试条款<内容>，` + '按规定办理相关手续并提交材料。'.repeat(8),
      );
      return {
        reply: mk({
          answer: `长答案如下：\n${clauses.join('\n')}`,
          blocks: blocks('information', '长答案如下：', { quote: QUOTED(clauses.join('\n')) }),
        }),
        state: base,
      };
    }

    // answer to an open question (button label or typed text)
    const open = base.openQuestion;
    if (open) {
      if (open.choices) {
        const c = open.choices.find((x) => text.trim() === x.label || text.trim() === x.value);
        if (c) facts[open.fact] = c.value;
      } else {
        const m = /(\d+)/.exec(text);
        if (m) facts[open.fact] = Number(m[1]);
      }
    }
    if (/前50|前五十/.test(text)) facts.rankBand = 'top50';
    if (/全职/.test(text)) facts.fullTimeInShanghai = 'yes';

    const inCheck = base.ruleId === 'fake-settlement' || /落户|资格/.test(text);
    if (inCheck) {
      base.ruleId = 'fake-settlement';
      const next = ORDER.find((q) => facts[q.fact] === undefined);
      const conditions = ORDER.map((q) => ({
        id: q.fact,
        status: facts[q.fact] === undefined ? ('unknown' as const) : ('pass' as const),
        clause: '三',
        fact: q.fact,
        value: facts[q.fact],
        label:
          q.fact === 'rankBand'
            ? '毕业院校世界排名符合要求'
            : q.fact === 'fullTimeInShanghai'
              ? '在本市全职工作'
              : '连续缴纳社保满规定月数',
      }));
      if (next) {
        base.openQuestion = next;
        const known = Object.keys(facts).length ? `${PERSONAL_MARKER}：${JSON.stringify(facts)}\n` : '';
        return {
          reply: mk({
            route: open ? 'follow_up' : 'eligibility',
            answer: `还需要了解一些情况。\n${known}${next.question}`,
            blocks: blocks('eligibility', `还需要了解一些情况。${known ? `\n${known.trim()}` : ''}`, {
              conditions: conditions.map((c) => ({
                ...c,
                label: c.label,
                source: c.value === undefined ? null : { kind: 'button', text: String(c.value) },
              })),
              followUp: followUpBlock(next),
            }),
            eligibility: {
              ruleId: 'fake-settlement',
              verdict: 'need_more_info',
              missing: ORDER.filter((q) => facts[q.fact] === undefined).map((q) => q.fact),
              facts: { ...facts },
              conditions,
            },
            followUp: next,
            citations: [CITE],
          }),
          state: base,
        };
      }
      base.openQuestion = null;
      const ok = facts.rankBand === 'top50' && facts.fullTimeInShanghai === 'yes' && Number(facts.socialInsuranceMonths) >= 6;
      return {
        reply: mk({
          route: 'eligibility',
          answer: `${ok ? '符合' : '暂不符合'}（测试规则）\n${PERSONAL_MARKER}：${JSON.stringify(facts)}\n「${CITE.text}」\n——《${CITE.title}》${CITE.docNumber} 第三条，${CITE.date}`,
          blocks: blocks('eligibility', `${ok ? '符合' : '暂不符合'}（测试规则）`, {
            conditions: conditions.map((c) => ({
              ...c,
              display: `${PERSONAL_MARKER}：${String(c.value)}`,
              source: c.value === undefined ? null : { kind: 'button', text: String(c.value) },
            })),
            quote: QUOTED(CITE.text),
          }),
          eligibility: {
            ruleId: 'fake-settlement',
            verdict: ok ? 'eligible' : 'not_eligible',
            missing: [],
            facts: { ...facts },
            conditions,
          },
          citations: [CITE],
        }),
        state: base,
      };
    }
    if (/宝山|博士后/.test(text)) {
      return {
        reply: mk({
          answer: `宝山区对博士后有资助（测试答复）。问题：${text}`,
          blocks: blocks('information', `宝山区对博士后有资助（测试答复）。问题：${text}`, {
            quote: {
              heading: null,
              text: '博士后资助测试条款。',
              answer: null,
              citation: {
                docId: 'fake-doc-2',
                clauseId: 'fake-doc-2#（二）',
                title: '宝山区测试措施',
                docNumber: '宝测〔2098〕8号',
                clause: '（二）',
                date: '2098-05-20',
              },
            },
          }),
          citations: [
            {
              ...CITE,
              docId: 'fake-doc-2',
              title: '宝山区测试措施',
              docNumber: '宝测〔2098〕8号',
              clause: '（二）',
              text: '博士后资助测试条款。',
              district: '宝山',
            },
          ],
        }),
        state: base,
      };
    }
    if (text.includes('<script>')) {
      const answer = `收到：${text} & 更多 <b>不是标签</b>`;
      return { reply: mk({ answer, blocks: blocks('out_of_scope', answer), grounded: false, route: 'out_of_scope' }), state: base };
    }
    return {
      reply: mk({
        answer: `资料库中没有相关内容，建议拨打 12333。问题：${text}`,
        blocks: blocks('abstain', `资料库中没有相关内容，建议拨打 12333。问题：${text}`),
        grounded: false,
        route: 'out_of_scope',
      }),
      state: base,
    };
  }
}
