import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanQuote, stripEmphasis, trimQuote, uniqueClauseLabels } from '../../text/quote.ts';
import { isEnumeration, sentences, sentenceUnits } from '../../text/sentences.ts';

describe('stripEmphasis', () => {
  it('removes markdown emphasis and keeps the words', () => {
    assert.equal(stripEmphasis('1. **统筹谋划推进专业技术人才工作。**深入学习'), '1. 统筹谋划推进专业技术人才工作。深入学习');
    assert.equal(stripEmphasis('__重点__与*强调*'), '重点与强调');
    assert.equal(stripEmphasis('3*4=12，a * b'), '3*4=12，a * b');
  });
});

describe('cleanQuote', () => {
  it('separates a short first line as the heading', () => {
    const q = cleanQuote('（一）建立一套体系\n\n去年年底，在我局的积极争取下，市人社局将杨浦区作为首批试点区。');
    assert.deepEqual(q, {
      label: '（一）',
      heading: '建立一套体系',
      body: '去年年底，在我局的积极争取下，市人社局将杨浦区作为首批试点区。',
    });
  });
  it('separates an emphasized lead-in and strips its full stop', () => {
    const q = cleanQuote('1. **统筹谋划推进专业技术人才工作。**深入学习贯彻。');
    assert.deepEqual(q, { label: '1', heading: '统筹谋划推进专业技术人才工作', body: '深入学习贯彻。' });
  });
  it('splits a known heading glued to its body', () => {
    const q = cleanQuote('（一）建立一套体系去年年底，杨浦成为试点区。', { heading: '建立一套体系' });
    assert.equal(q.heading, '建立一套体系');
    assert.equal(q.body, '去年年底，杨浦成为试点区。');
    const h = cleanQuote('三、加大世界名校留学人员引进力度。在符合条件的基础上，可申办落户。', { heading: '加大世界名校留学人员引进力度' });
    assert.equal(h.body, '在符合条件的基础上，可申办落户。');
  });
  it('leaves a first line that is a sentence in the body', () => {
    const q = cleanQuote('二、本市人才引进相关政策仍维持现有基数标准。\n其他事项另行通知。');
    assert.equal(q.heading, null);
    assert.equal(q.body, '本市人才引进相关政策仍维持现有基数标准。\n其他事项另行通知。');
  });
});

describe('uniqueClauseLabels', () => {
  it('uses the path where a label repeats in a document or a clause is nested deeper', () => {
    const labels = uniqueClauseLabels([
      { id: 'a', docId: 'd', clause: '（一）', path: ['一、提案办理概况'] },
      { id: 'b', docId: 'd', clause: '（一）', path: ['二、提案建议答复'] },
      { id: 'b2', docId: 'd', clause: '（一）', path: ['二、提案建议答复'] },
      { id: 'c', docId: 'd', clause: '（二）', path: ['二、提案建议答复'] },
      { id: 'e', docId: 'e', clause: '2', path: ['一、总体', '（二）聚焦企业'] },
      { id: 'f', docId: 'f', clause: '三', path: [] },
    ]);
    assert.deepEqual(Object.fromEntries(labels), {
      a: '一/（一）',
      b: '二/（一）',
      b2: '二/（一）',
      c: '（二）',
      e: '一/（二）/2',
      f: '三',
    });
  });
});

describe('sentenceUnits', () => {
  it('keeps a lead-in with its marked items and does not split at ；', () => {
    assert.deepEqual(sentenceUnits('申请材料如下：\n（1）身份证；\n（2）学位证。\n其他事项另行通知。'), [
      '申请材料如下：\n（1）身份证；\n（2）学位证。',
      '其他事项另行通知。',
    ]);
    assert.deepEqual(sentenceUnits('对于前50名的，可直接申办；对于51-100名的，满6个月后申办。补贴2.3万元。'), [
      '对于前50名的，可直接申办；对于51-100名的，满6个月后申办。',
      '补贴2.3万元。',
    ]);
    // the existing splitter is unchanged
    assert.deepEqual(sentences('一、总则。适用于本市；另行规定！\n附件'), ['一、总则。', '适用于本市；', '另行规定！', '附件']);
  });
  it('recognizes enumerations', () => {
    assert.equal(isEnumeration('一是推出计划；二是举办赛事；三是设立工作站。'), true);
    assert.equal(isEnumeration('包括：直接落户、居转户、留学回国人员落户。'), true);
    assert.equal(isEnumeration('对于前50名的，可直接申办；对于51-100名的，满6个月后申办。'), false);
  });
});

describe('trimQuote', () => {
  const body =
    '去年年底，杨浦区成为首批试点区。杨浦目前已基本建立起全方位服务体系。我们目前在加拿大温哥华、美国硅谷、德国法兰克福、英国萨里等设立前线引才工作站。下一步将继续发挥这些海外站点的资源优势。最后一句话在这里。';
  it('always contains the answering sentence whole, with ellipses for what is left out', () => {
    const answer = '我们目前在加拿大温哥华、美国硅谷、德国法兰克福、英国萨里等设立前线引才工作站。';
    for (const max of [10, 40, 80]) {
      const q = trimQuote(body, answer, { maxChars: max });
      assert.ok(q.includes(answer), `max ${max}: ${q}`);
      assert.ok(q.startsWith('…') && (max >= 80 || q.endsWith('…')), q);
    }
    assert.equal(trimQuote(body, answer, { maxChars: 1000 }), body);
  });
  it('never cuts an enumeration', () => {
    const text = '总体要求如下。具体措施包括：\n（1）降低创业启动成本；\n（2）提供融资担保与贴息；\n（3）设立项目风投基金。其余另行规定。';
    const q = trimQuote(text, '（2）提供融资担保与贴息；', { maxChars: 20 });
    assert.ok(q.includes('具体措施包括：\n（1）降低创业启动成本；\n（2）提供融资担保与贴息；\n（3）设立项目风投基金。'), q);
  });
  it('starts at the beginning without an answer', () => {
    assert.ok(trimQuote(body, null, { maxChars: 40 }).startsWith('去年年底'));
  });
});
