import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeTopics, parseTopic, topicFromWord, topicLabel, topicMatches } from '../../bot/store/topics.ts';

test('topics parse, normalize and label', () => {
  assert.deepEqual(parseTopic('district:杨浦'), { kind: 'district', name: '杨浦' });
  assert.equal(parseTopic('district:'), null);
  assert.equal(parseTopic('weather'), null);
  assert.deepEqual(normalizeTopics(['keyword:社保', 'keyword:社保', 'municipal']), ['keyword:社保', 'municipal']);
  assert.deepEqual(normalizeTopics(['keyword:社保', 'all']), ['all']);
  assert.deepEqual(normalizeTopics([]), ['all']);
  assert.equal(topicLabel('municipal'), '市级');
  assert.equal(topicLabel('keyword:博士后'), '博士后');
});

test('words users type map to topics', () => {
  const districts = ['杨浦', '宝山', '长宁'];
  const keywords = ['落户', '社保'];
  assert.equal(topicFromWord('宝山区', districts, keywords), 'district:宝山');
  assert.equal(topicFromWord('市级', districts, keywords), 'municipal');
  assert.equal(topicFromWord('全部', districts, keywords), 'all');
  assert.equal(topicFromWord('#落户', districts, keywords), 'keyword:落户');
  assert.equal(topicFromWord('浦东', districts, keywords), null);
});

test('a 宝山 document reaches 宝山 and all-topic subscribers only', () => {
  const doc = { level: 'district', district: '宝山', title: '关于博士后的答复', text: '……' };
  assert.equal(topicMatches(['district:宝山'], doc), true);
  assert.equal(topicMatches(['all'], doc), true);
  assert.equal(topicMatches(['district:杨浦'], doc), false);
  assert.equal(topicMatches(['municipal'], doc), false);
  assert.equal(topicMatches(['keyword:博士后'], doc), true);
  assert.equal(topicMatches(['keyword:落户'], doc), false);
});
