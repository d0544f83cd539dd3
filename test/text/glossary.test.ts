import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { hasGlossaryTopic, parseGlossary, translateQuery } from '../../text/glossary.ts';

const file = join(PROJECT_ROOT, 'corpus/lang/glossary-en.yaml');
const glossary = parseGlossary(yaml.load(readFileSync(file, 'utf8')), file);

test('an English question becomes the Chinese terms of its phrases, longest first, plus numbers and abbreviations', () => {
  assert.equal(translateQuery('How much is the Baoshan talent housing subsidy?', glossary), '安居资助 住房补贴 宝山 人才');
  assert.equal(translateQuery('Is there a back-payment rule for social insurance in 2022?', glossary), '社会保险 社保 补缴 2022');
  assert.equal(translateQuery('top 50 QS university, settle in Shanghai', glossary), '院校 大学 上海 落户 前50名 50 QS');
});

test('a question with only context words, no glossary phrase, or no Latin letters is searched as typed', () => {
  for (const q of [
    "How do I get a driver's license in Shanghai?",
    'What is the weather in Baoshan?',
    'hello',
    '宝山区的人才安居资助最高多少',
  ]) {
    assert.equal(translateQuery(q, glossary), q);
  }
});

test('phrases match whole words only', () => {
  const g = parseGlossary({ phrases: { rent: ['租房'] } }, 'test.yaml');
  assert.equal(translateQuery('current rules', g), 'current rules');
  assert.equal(translateQuery('rent support', g), '租房');
});

test('a malformed glossary names the file, the entry and the expected shape', () => {
  assert.throws(
    () => parseGlossary({ phrases: { hotline: ['热线', 12333] } }, 'corpus/lang/glossary-en.yaml'),
    /glossary-en\.yaml: phrases\.hotline\.1: .*expected "phrases:/,
  );
});

test('the Chinese in an English question is searched with it, the other English words dropped', () => {
  assert.equal(translateQuery('What is the 东方英才领军项目 in the 2023 plan?', glossary), '东方英才领军项目 2023');
  assert.equal(translateQuery('Filed 居转户 in 07/2023 - did the frozen base still apply?', glossary), '申请 申办 居转户 07 2023');
});

test('a Chinese question with English terms has a glossary topic; context words or none have not', () => {
  assert.ok(hasGlossaryTopic('长宁的talent rental subsidy是怎么申请的？需要company推荐吗', glossary));
  assert.equal(translateQuery('长宁的talent rental subsidy是怎么申请的？', glossary).includes('租房补贴'), true);
  assert.equal(hasGlossaryTopic('QMUL毕业的，在上海全职', glossary), false);
  assert.equal(hasGlossaryTopic('我们company在Shanghai', glossary), false, 'context words only');
});
