/** Hand-made reply blocks for the renderer tests (texts from the corpus' own clauses). */
import type { Citation, ReplyBlocks } from '../../bot/reply/blocks.ts';

export const CITATION: Citation = {
  docId: 'sh-hrss-2022-103',
  clauseId: 'sh-hrss-2022-103#三',
  title: '上海市人力资源和社会保障局关于助力复工复产实施人才特殊支持举措的通知',
  docNumber: '沪人社力〔2022〕103号',
  clause: '三',
  date: '2022-06-01',
};

export const QUOTE_TEXT =
  '在符合留学人员落户基本条件的基础上，对于毕业于世界排名前50名院校的，取消社会保险费缴费基数和缴费时间要求，全职来本市工作后即可直接申办落户；对于毕业于世界排名51-100名的，全职来本市工作并缴纳社会保险费满6个月后可申办落户。';

/** An eligibility reply (not eligible: 5 of 6 months) in Chinese, with four notes. */
export function eligibilityZh(): ReplyBlocks {
  return {
    version: 1,
    kind: 'eligibility',
    lang: 'zh',
    ruleId: 'sh-hrss-2022-103-3-top-university',
    answer: { text: '暂不符合：世界排名51-100名的，须缴纳社会保险费满6个月后才可申办（您目前为5个月）。', verdict: 'not_eligible' },
    conditions: [
      { id: 'studied_abroad', fact: 'studiedAbroad', label: '留学人员（境外留学毕业）', status: 'assumed', source: null, clause: '三' },
      {
        id: 'full_time_shanghai',
        fact: 'employedFullTimeInShanghai',
        value: true,
        display: '是',
        label: '全职来本市工作',
        status: 'pass',
        source: { kind: 'words', text: '全职', span: [10, 12] },
        clause: '三',
      },
      {
        id: 'rank_top50',
        fact: 'worldRank',
        value: 68,
        display: '第68名',
        label: '毕业于世界排名前50名院校',
        status: 'fail',
        source: { kind: 'words', text: 'QS第68', span: [0, 5] },
        clause: '三',
      },
      {
        id: 'rank_51_100',
        fact: 'worldRank',
        value: 68,
        display: '第68名',
        label: '毕业于世界排名51-100名院校',
        status: 'pass',
        source: { kind: 'words', text: 'QS第68', span: [0, 5] },
        clause: '三',
      },
      {
        id: 'social_insurance_6m',
        fact: 'socialInsuranceMonths',
        value: 5,
        display: '5个月',
        label: '在本市缴纳社会保险费满6个月',
        status: 'fail',
        source: { kind: 'button', text: '不满6个月' },
        clause: '三',
      },
    ],
    quote: { heading: '加大世界名校留学人员引进力度', text: QUOTE_TEXT, answer: null, citation: CITATION },
    notes: [
      { kind: 'rule', priority: 51, text: '世界排名一般可参考QS、泰晤士(THE)、US News、软科(ARWU)等排名。' },
      { kind: 'rule', priority: 50, text: '前提是符合留学人员落户的基本条件，本工具未逐项核对。' },
      { kind: 'time', priority: 5, text: '补缴截止日期：2022-12-31，已过。' },
      { kind: 'other', priority: 70, text: '请向12333确认现行规定。' },
    ],
    related: [],
    followUp: null,
  };
}
