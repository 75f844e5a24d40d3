import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NaElement, escapeXml } from './na-element.js';

describe('NaElement', () => {
  test('builds children, content and attributes', () => {
    const el = new NaElement('lun-map').addNewChild('path', '/vol/v1/lun1').addNewChild('initiator-group', 'openstack-1');
    el.setAttr('vfiler', 'svm1');
    assert.equal(el.getChildContent('path'), '/vol/v1/lun1');
    assert.equal(el.getChildContent('missing'), null);
    assert.equal(el.getAttr('vfiler'), 'svm1');
    assert.equal(el.getChildren().length, 2);
    assert.equal(el.toXml(), '<lun-map vfiler="svm1"><path>/vol/v1/lun1</path><initiator-group>openstack-1</initiator-group></lun-map>');
  });

  test('translateStruct nests maps, repeats scalar arrays and fills one element from object arrays', () => {
    const el = NaElement.create('igroup-get-iter', {
      'max-records': 2,
      query: { 'initiator-group-info': { initiators: [{ 'initiator-info': { 'initiator-name': 'iqn.1993-08.org.debian:01:a' } }] } },
      volumes: ['a', 'b'],
      enable: false,
      skipped: undefined,
    });
    assert.equal(
      el.toXml(),
      '<igroup-get-iter><max-records>2</max-records><query><initiator-group-info><initiators><initiator-info>' +
        '<initiator-name>iqn.1993-08.org.debian:01:a</initiator-name></initiator-info></initiators></initiator-group-info></query>' +
        '<volumes>a</volumes><volumes>b</volumes><enable>false</enable></igroup-get-iter>',
    );
    assert.equal(el.path('query', 'initiator-group-info', 'initiators', 'initiator-info')?.getChildContent('initiator-name'), 'iqn.1993-08.org.debian:01:a');
  });

  test('escapes markup in content and attributes and round-trips it through the parser', () => {
    const nasty = `a<b>&"c'd`;
    const el = new NaElement('x').setAttr('reason', nasty).addNewChild('path', nasty);
    const xml = el.toXml();
    assert.ok(!xml.includes('<b>'));
    assert.equal(escapeXml('<&>'), '&lt;&amp;&gt;');
    const back = NaElement.parse(xml);
    assert.equal(back.getAttr('reason'), nasty);
    assert.equal(back.getChildContent('path'), nasty);
    assert.equal(back.toXml(), xml);
  });

  test('empty elements serialize self-closed and parse back with null content', () => {
    const el = NaElement.create('desired-attributes', { 'lun-info': { path: null, size: '' } });
    assert.equal(el.toXml(), '<desired-attributes><lun-info><path/><size></size></lun-info></desired-attributes>');
    const back = NaElement.parse(el.toXml());
    assert.equal(back.path('lun-info')?.getChildContent('path'), null);
    assert.equal(back.path('lun-info')?.hasChildren(), true);
  });

  test('parses a real reply with declaration, DOCTYPE, namespace and nesting', () => {
    const reply = `<?xml version='1.0' encoding='UTF-8' ?>
<!DOCTYPE netapp SYSTEM 'file:/etc/netapp_gx.dtd'>
<netapp version='1.15' xmlns='http://www.netapp.com/filer/admin'>
  <results status="passed"><attributes-list><lun-info><path>/vol/v/l1</path><size>1024</size></lun-info>
  <lun-info><path>/vol/v/l2</path><size>2048</size></lun-info></attributes-list><num-records>2</num-records></results>
</netapp>`;
    const doc = NaElement.parse(reply);
    assert.equal(doc.name, 'netapp');
    assert.equal(doc.getAttr('version'), '1.15');
    const results = doc.getChildByName('results')!;
    assert.equal(results.getAttr('status'), 'passed');
    const luns = results.getChildByName('attributes-list')!.getChildrenByName('lun-info');
    assert.deepEqual(luns.map((l) => l.getChildContent('size')), ['1024', '2048']);
    assert.equal(results.getChildContent('num-records'), '2');
  });

  test('rejects invalid element names and documents without a root', () => {
    assert.throws(() => new NaElement('bad name'), /Invalid ZAPI element name/);
    assert.throws(() => NaElement.parse('   '), /no root element/);
  });
});
