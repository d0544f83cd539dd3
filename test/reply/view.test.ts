/**
 * Citation titles in the default view (bot/reply/view.ts `shortTitle`): a long title gets a readable
 * short form, never a cut inside a bracket pair.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CITED_TITLE_CHARS, shortTitle } from '../../bot/reply/view.ts';

const balanced = (s: string) => {
  let depth = 0;
  for (const ch of s) {
    if (ch === '《') depth++;
    else if (ch === '》' && --depth < 0) return false;
  }
  return depth === 0;
};

describe('shortTitle', () => {
  it('keeps a title that fits', () => {
    assert.equal(shortTitle('对区政协第十四届第五次会议第E104号提案的答复'), '对区政协第十四届第五次会议第E104号提案的答复');
  });
  it('names a title about another document by what it is, not by a cut inside the nested 《》', () => {
    const t = '关于《关于完善宝山区人才落户政策跟上海市人才引进政策配套细则的提议》（第8E112号）提案的答复';
    assert.equal(shortTitle(t), '第8E112号提案的答复');
    // nothing useful after the nested title: the nested title itself
    assert.equal(
      shortTitle('上海市人力资源和社会保障局关于印发《2023年上海市专业技术人才工作要点》的通知'),
      '2023年上海市专业技术人才工作要点',
    );
  });
  it('cuts any other long title before a bracket still open, and Latin titles between words', () => {
    assert.equal(shortTitle('长宁区关于加快推进科技创新人才集聚区建设的若干意见'), '长宁区关于加快推进科技创新人才集聚区建设的若干…');
    assert.equal(
      shortTitle('本市关于进一步做好《某某某某某某某某某某某某某某某某某某某某某某某办法》实施工作的通知书'),
      '本市关于进一步做好…',
    );
    assert.equal(shortTitle('本市关于进一步做好《某某某某某某某某某办法》实施工作的通知书'), '某某某某某某某某某办法');
    assert.equal(shortTitle('Reply to proposal No. 8E112 on settlement policy of Baoshan district'), 'Reply to proposal No.…');
  });
  it('every short form fits and has balanced 《》', () => {
    const titles = [
      '关于《关于完善宝山区人才落户政策跟上海市人才引进政策配套细则的提议》（第8E112号）提案的答复',
      '关于《甲》和《乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙》的说明',
      '《《《《《《《《《《《《《《《《《《《《《《《《《《《《',
      '关于（第一批）（第二批）（第三批）（第四批）（第五批）的通知',
    ];
    for (const t of titles) {
      const s = shortTitle(t);
      assert.ok([...s].length <= CITED_TITLE_CHARS, s);
      assert.ok(balanced(s), s);
    }
  });
});
