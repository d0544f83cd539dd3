import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { compileRouteCues, route, type RouteSignals } from '../../bot/assistant/route.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { loadCueTables } from '../../eligibility/cues.ts';

// The cue tables the application uses (corpus/lang `route:`).
const cues = compileRouteCues(loadCueTables(join(PROJECT_ROOT, 'corpus', 'lang')).route);

const base: RouteSignals = { text: '', hasOpenQuestion: false, answersOpenQuestion: false, newFacts: 0, ruleHits: 0 };
const r = (text: string, s: Partial<RouteSignals> = {}) => route({ ...base, ...s, text }, cues);

test('empty and emoji-only messages', () => {
  assert.equal(r(''), 'empty');
  assert.equal(r('   '), 'empty');
  assert.equal(r('😀👍'), 'empty');
  assert.equal(r('？？？'), 'empty');
});

test('greetings and help', () => {
  assert.equal(r('你好'), 'greeting');
  assert.equal(r('您好！'), 'greeting');
  assert.equal(r('hello'), 'greeting');
  assert.equal(r('谢谢'), 'greeting');
  assert.equal(r('你能做什么？'), 'help');
  assert.equal(r('/help'), 'help');
  assert.equal(r('你好，我想问落户'), 'information');
});

test('a short answer to the open question is a follow-up', () => {
  assert.equal(r('是的', { hasOpenQuestion: true, answersOpenQuestion: true, newFacts: 1 }), 'follow_up');
  assert.equal(r('交了6个月', { hasOpenQuestion: true, answersOpenQuestion: true, newFacts: 1 }), 'follow_up');
  // Not an answer to the open question: treated on its own.
  assert.equal(r('宝山区的人才安居资助最高多少？', { hasOpenQuestion: true }), 'information');
});

test('personal facts with a question are an eligibility check', () => {
  assert.equal(r('我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？', { newFacts: 3, ruleHits: 1 }), 'eligibility');
  assert.equal(r('I graduated from a top-30 university, can I get hukou?', { newFacts: 2, ruleHits: 1 }), 'eligibility');
  assert.equal(r('我能直接落户吗？', { ruleHits: 1 }), 'eligibility');
  // A general question about the rule, without personal facts, is information.
  assert.equal(r('世界前50名校毕业的留学生落户有什么要求？', { ruleHits: 1 }), 'information');
  assert.equal(r('宝山区的人才安居资助最高多少？'), 'information');
});

test('a general question asked instead of an answer, during a check, is a question', () => {
  const base = { text: '书面材料交不了怎么办', hasOpenQuestion: true, newFacts: 1, ruleHits: 0, generalQuestion: true };
  assert.equal(route({ ...base, answersOpenQuestion: false }, cues), 'information');
  assert.equal(route({ ...base, text: '全职', generalQuestion: false, answersOpenQuestion: true }, cues), 'follow_up');
});
