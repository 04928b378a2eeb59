//! The real legacy clients drive cloud services and service certificates against a running
//! `azmc serve`: the Python `azure-servicemanagement-legacy` SDK and the Node
//! `azure-asm-compute` SDK, with the exact calls they make (installed by
//! `scripts/test-deps.sh` into `.test-deps/`; a missing client is a failure).

use super::Sandbox;
use super::legacy::{check, node_output, python_output};
use super::server::{Served, bootstrap_pem};
use std::path::PathBuf;

fn deps() -> PathBuf {
    super::legacy::deps(&["azure-asm-compute"])
}

/// A running server (async operations held InProgress for a moment, so the clients'
/// polling is exercised), the bootstrap PEM, and `svc.pfx` (password `pw`) of a new
/// certificate, with its thumbprint.
fn served_with_pfx() -> (Sandbox, Served, String) {
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "300")], &[]);
    bootstrap_pem(&s, &served);
    let t = s.new_cert("service cert", &[]);
    s.write("pw", "pw\n");
    s.export_pfx(&t, "svc.pfx", "pw").ok();
    (s, served, t)
}

#[test]
fn python_sdk_manages_cloud_services_and_service_certificates() {
    let deps = deps();
    let (s, served, thumb) = served_with_pfx();
    let sub = served.subscription();
    let script = r#"
import sys, base64
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub, thumb = sys.argv[1:4]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
name = 'PySvc-1'
assert sms.check_hosted_service_name_availability(name).result == True
r = sms.create_hosted_service(name, 'py label', 'py description', 'west us', None, {'ext1': 'val1', 'ext2': 'val2'})
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
assert sms.check_hosted_service_name_availability(name.lower()).result == False
try:
    sms.create_hosted_service(name.lower(), 'again', location='West US'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'ConflictError' in str(e), e
try:
    sms.create_hosted_service('pysvc-2', 'x', location='Mars'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'Location' in str(e), e
p = sms.get_hosted_service_properties(name, embed_detail=True)
hp = p.hosted_service_properties
assert p.service_name == name and hp.label == 'py label' and hp.description == 'py description', vars(hp)
assert hp.location == 'West US' and hp.status == 'Created' and hp.date_created, vars(hp)
assert hp.extended_properties == {'ext1': 'val1', 'ext2': 'val2'}, hp.extended_properties
assert len(p.deployments) == 0
assert p.url.endswith('/services/hostedservices/' + name), p.url
assert [x.service_name for x in sms.list_hosted_services()] == [name]
sms.update_hosted_service(name, label='new label', description='new description', extended_properties={'ext1': 'changed', 'ext3': 'new'})
hp = sms.get_hosted_service_properties(name).hosted_service_properties
assert hp.label == 'new label' and hp.description == 'new description', vars(hp)
assert hp.extended_properties == {'ext1': 'changed', 'ext2': 'val2', 'ext3': 'new'}, hp.extended_properties
data = base64.b64encode(open('svc.pfx', 'rb').read()).decode()
try:
    sms.add_service_certificate(name, data, 'pfx', 'wrong'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'Password' in str(e), e
r = sms.add_service_certificate(name, data, 'pfx', 'pw')
assert sms.get_operation_status(r.request_id).status == 'InProgress'
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
certs = sms.list_service_certificates(name)
assert [c.thumbprint for c in certs] == [thumb], [c.thumbprint for c in certs]
assert certs[0].thumbprint_algorithm == 'sha1' and certs[0].certificate_url.endswith('/certificates/sha1-' + thumb)
c = sms.get_service_certificate(name, 'sha1', thumb.lower())
from cryptography import x509
cert = x509.load_der_x509_certificate(base64.b64decode(c.data))
assert cert.fingerprint(__import__('cryptography.hazmat.primitives.hashes', fromlist=['SHA1']).SHA1()).hex().upper() == thumb
assert b'PRIVATE' not in base64.b64decode(c.data)
try:
    sms.get_service_certificate(name, 'sha1', '00' * 20); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
r = sms.delete_service_certificate(name, 'sha1', thumb)
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
assert len(sms.list_service_certificates(name)) == 0
try:
    sms.delete_service_certificate(name, 'sha1', thumb); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
r = sms.delete_hosted_service(name)
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
try:
    sms.get_hosted_service_properties(name); raise SystemExit('expected 404')
except AzureMissingResourceHttpError as e:
    assert 'ResourceNotFound' in str(e), e
try:
    sms.delete_hosted_service(name); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
# comp=media: asynchronous
sms.create_hosted_service('pysvc-media', 'm', location='East US')
r = sms.delete_hosted_service('pysvc-media', complete=True)
sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
assert sms.list_hosted_services().hosted_services == []
ops = sms.list_subscription_operations('2020-01-01', '2099-01-01').subscription_operations
names = set(o.operation_name for o in ops)
for want in ['CreateHostedService', 'UpdateHostedService', 'DeleteHostedService', 'AddCertificate', 'DeleteCertificate']:
    assert want in names, (want, names)
add = [o for o in ops if o.operation_name == 'AddCertificate' and o.operation_status.status == 'Succeeded']
assert len(add) == 1 and add[0].operation_caller.subscription_certificate_thumbprint, [vars(o.operation_status) for o in ops if o.operation_name == 'AddCertificate']
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    let out = python_output(&deps, &s, &served, &[script, &host, &sub, &thumb]);
    check(out, "python");
    served.stop();
}

#[test]
fn node_sdk_manages_cloud_services_and_service_certificates() {
    let deps = deps();
    let (s, served, thumb) = served_with_pfx();
    let sub = served.subscription();
    let script = r#"
const fs = require('fs');
const common = require('azure-common');
const compute = require('azure-asm-compute');
const [url, sub, thumb] = process.argv.slice(1);
const c = compute.createComputeManagementClient(new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync('bootstrap.pem', 'utf8') }), url);
c.longRunningOperationInitialTimeout = 0; c.longRunningOperationRetryTimeout = 1;
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
const fails = async (f, status, code) => {
  try { await p(f); } catch (e) { if (e.statusCode === status && e.code === code) return; throw e; }
  throw new Error('expected ' + status);
};
(async () => {
  const name = 'nodesvc';
  const avail = await p(cb => c.hostedServices.checkNameAvailability(name, cb));
  if (avail.isAvailable !== true) throw new Error('avail: ' + JSON.stringify(avail));
  const created = await p(cb => c.hostedServices.create({ serviceName: name, label: 'node label', description: 'd', location: 'West Europe', extendedProperties: { a: '1' } }, cb));
  if (created.statusCode !== 201) throw new Error('create: ' + created.statusCode);
  await fails(cb => c.hostedServices.create({ serviceName: name, label: 'x', location: 'West Europe' }, cb), 409, 'ConflictError');
  await fails(cb => c.hostedServices.create({ serviceName: 'bad_name', label: 'x', location: 'West Europe' }, cb), 400, 'BadRequest');
  const got = await p(cb => c.hostedServices.get(name, cb));
  if (got.serviceName !== name || got.properties.label !== 'node label' || got.properties.location !== 'West Europe' || got.properties.extendedProperties.a !== '1' || isNaN(got.properties.dateCreated)) throw new Error('get: ' + JSON.stringify(got));
  const detailed = await p(cb => c.hostedServices.getDetailed(name, cb));
  if (detailed.deployments.length !== 0) throw new Error('detailed: ' + JSON.stringify(detailed));
  const list = await p(cb => c.hostedServices.list(cb));
  if (list.hostedServices.length !== 1 || list.hostedServices[0].serviceName !== name) throw new Error('list: ' + JSON.stringify(list));
  const upd = await p(cb => c.hostedServices.update(name, { label: 'relabelled', description: 'd2' }, cb));
  if (upd.statusCode !== 200) throw new Error('update: ' + upd.statusCode);
  const got2 = await p(cb => c.hostedServices.get(name, cb));
  if (got2.properties.label !== 'relabelled' || got2.properties.description !== 'd2') throw new Error('get2: ' + JSON.stringify(got2));
  const pfx = fs.readFileSync('svc.pfx');
  const added = await p(cb => c.serviceCertificates.create(name, { data: pfx, certificateFormat: 'pfx', password: 'pw' }, cb));
  if (added.status !== 'Succeeded') throw new Error('add: ' + JSON.stringify(added));
  await fails(cb => c.serviceCertificates.create(name, { data: pfx, certificateFormat: 'pfx', password: 'nope' }, cb), 400, 'BadRequest');
  const certs = await p(cb => c.serviceCertificates.list(name, cb));
  if (certs.certificates.length !== 1 || certs.certificates[0].thumbprint !== thumb || certs.certificates[0].thumbprintAlgorithm !== 'sha1') throw new Error('certs: ' + JSON.stringify(certs));
  const cert = await p(cb => c.serviceCertificates.get({ serviceName: name, thumbprintAlgorithm: 'sha1', thumbprint: thumb }, cb));
  if (!cert.data) throw new Error('cert: ' + JSON.stringify(cert));
  await fails(cb => c.serviceCertificates.get({ serviceName: name, thumbprintAlgorithm: 'sha1', thumbprint: '00'.repeat(20) }, cb), 404, 'ResourceNotFound');
  const deleted = await p(cb => c.serviceCertificates.deleteMethod({ serviceName: name, thumbprintAlgorithm: 'sha1', thumbprint: thumb }, cb));
  if (deleted.status !== 'Succeeded') throw new Error('delete cert: ' + JSON.stringify(deleted));
  const certs2 = await p(cb => c.serviceCertificates.list(name, cb));
  if (certs2.certificates.length !== 0) throw new Error('certs2: ' + JSON.stringify(certs2));
  const del = await p(cb => c.hostedServices.deleteMethod(name, cb));
  if (del.statusCode !== 200) throw new Error('delete: ' + del.statusCode);
  await fails(cb => c.hostedServices.get(name, cb), 404, 'ResourceNotFound');
  await fails(cb => c.hostedServices.deleteMethod(name, cb), 404, 'ResourceNotFound');
  await p(cb => c.hostedServices.create({ serviceName: 'nodesvc-media', label: 'm', location: 'East Asia' }, cb));
  const all = await p(cb => c.hostedServices.deleteAll('nodesvc-media', cb));
  if (all.status !== 'Succeeded') throw new Error('deleteAll: ' + JSON.stringify(all));
  const list2 = await p(cb => c.hostedServices.list(cb));
  if (list2.hostedServices.length !== 0) throw new Error('list2: ' + JSON.stringify(list2));
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e, JSON.stringify(e)); process.exit(1); });
"#;
    let out = node_output(&deps, &s, &served, &[script, &served.api_url, &sub, &thumb]);
    check(out, "node");
    served.stop();
}

const CSCFG: &str = r#"<?xml version="1.0" encoding="utf-8"?><ServiceConfiguration serviceName="app" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration" osFamily="4" osVersion="*"><Role name="WebRole1"><Instances count="2" /></Role><Role name="Worker"><Instances count="1" /></Role></ServiceConfiguration>"#;

#[test]
fn python_sdk_manages_deployments() {
    let deps = deps();
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "200")], &[]);
    bootstrap_pem(&s, &served);
    let sub = served.subscription();
    let script = r#"
import sys, base64
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub, cscfg = sys.argv[1:4]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
wait = lambda r: sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)
sms.create_hosted_service('pydep', 'dep service', location='West US')
cfg = base64.b64encode(cscfg.encode()).decode()
try:
    sms.create_deployment('pydep', 'production', 'd1', 'https://a.blob.core.windows.net/p/app.cspkg', 'v1', base64.b64encode(b'<nope/>').decode()); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'Configuration' in str(e), e
r = sms.create_deployment('pydep', 'production', 'd1', 'https://a.blob.core.windows.net/p/app.cspkg', 'v1', cfg, start_deployment=True)
assert sms.get_operation_status(r.request_id).status == 'InProgress'
wait(r)
d = sms.get_deployment_by_slot('pydep', 'production')
assert d.name == 'd1' and d.deployment_slot == 'Production' and d.status == 'Running' and d.label == 'v1', vars(d)
assert d.configuration == cscfg, d.configuration
names = sorted(i.instance_name for i in d.role_instance_list)
assert names == ['WebRole1_IN_0', 'WebRole1_IN_1', 'Worker_IN_0'], names
assert all(i.instance_status == 'ReadyRole' and i.instance_size == 'Small' for i in d.role_instance_list)
assert sorted(r.role_name for r in d.role_list) == ['WebRole1', 'Worker']
assert sms.get_subscription().current_core_count == 3
try:
    sms.create_deployment('pydep', 'production', 'd9', 'https://a/p.cspkg', 'x', cfg); raise SystemExit('expected 409')
except AzureConflictHttpError:
    pass
try:
    sms.delete_hosted_service('pydep'); raise SystemExit('expected 409')
except AzureConflictHttpError:
    pass
p = sms.get_hosted_service_properties('pydep', embed_detail=True)
assert [x.name for x in p.deployments] == ['d1'], p.deployments
wait(sms.create_deployment('pydep', 'staging', 'd2', 'https://a.blob.core.windows.net/p/app2.cspkg', 'v2', cfg))
assert sms.get_deployment_by_name('pydep', 'd2').status == 'Suspended'
wait(sms.update_deployment_status('pydep', 'd2', 'Running'))
assert sms.get_deployment_by_name('pydep', 'D2').status == 'Running'
wait(sms.swap_deployment('pydep', 'd1', 'd2'))
assert sms.get_deployment_by_slot('pydep', 'production').name == 'd2'
assert sms.get_deployment_by_slot('pydep', 'staging').name == 'd1'
cfg3 = base64.b64encode(cscfg.replace('count="2"', 'count="3"').encode()).decode()
wait(sms.change_deployment_configuration('pydep', 'd2', cfg3))
assert len(sms.get_deployment_by_name('pydep', 'd2').role_instance_list) == 4
wait(sms.upgrade_deployment('pydep', 'd2', 'Auto', 'https://a.blob.core.windows.net/p/app3.cspkg', cfg, 'v3', False))
assert sms.get_deployment_by_name('pydep', 'd2').label == 'v3'
# An Auto upgrade is complete when accepted: nothing to walk or roll back.
for f in (lambda: sms.walk_upgrade_domain('pydep', 'd2', 0),
          lambda: sms.rollback_update_or_upgrade('pydep', 'd2', 'Auto', False)):
    try:
        f(); raise SystemExit('expected 409')
    except AzureConflictHttpError:
        pass
# A Manual upgrade stays in progress: walked domain by domain, then rolled back to v3.
wait(sms.upgrade_deployment('pydep', 'd2', 'Manual', 'https://a.blob.core.windows.net/p/app4.cspkg', cfg3, 'v4', False))
d = sms.get_deployment_by_name('pydep', 'd2')
assert d.label == 'v4' and len(d.role_instance_list) == 4 and d.rollback_allowed is True, vars(d)
assert (d.upgrade_status.upgrade_type, d.upgrade_status.current_upgrade_domain) == ('Manual', '0'), vars(d.upgrade_status)
try:
    sms.change_deployment_configuration('pydep', 'd2', cfg); raise SystemExit('expected 409')
except AzureConflictHttpError:
    pass
wait(sms.walk_upgrade_domain('pydep', 'd2', 0))
assert sms.get_deployment_by_name('pydep', 'd2').upgrade_status.current_upgrade_domain == '1'
wait(sms.rollback_update_or_upgrade('pydep', 'd2', 'Auto', False))
d = sms.get_deployment_by_name('pydep', 'd2')
assert d.label == 'v3' and len(d.role_instance_list) == 3 and d.rollback_allowed is False, vars(d)
assert d.upgrade_status is None, vars(d.upgrade_status)
wait(sms.reboot_role_instance('pydep', 'd2', 'WebRole1_IN_0'))
wait(sms.reimage_role_instance('pydep', 'd2', 'WebRole1_IN_1'))
wait(sms.rebuild_role_instance('pydep', 'd2', 'Worker_IN_0'))
try:
    sms.reboot_role_instance('pydep', 'd2', 'WebRole1_IN_7'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
wait(sms.delete_role_instances('pydep', 'd2', ['WebRole1_IN_1']))
assert len(sms.get_deployment_by_name('pydep', 'd2').role_instance_list) == 2
wait(sms.delete_deployment('pydep', 'd1'))
try:
    sms.get_deployment_by_slot('pydep', 'staging'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
wait(sms.delete_hosted_service('pydep', complete=True))
assert sms.get_subscription().current_core_count == 0
names = set(o.operation_name for o in sms.list_subscription_operations('2020-01-01', '2099-01-01').subscription_operations)
for want in ['CreateDeployment', 'UpdateDeploymentStatus', 'SwapDeployment', 'DeleteDeployment', 'ChangeDeploymentConfiguration', 'UpgradeDeployment', 'WalkUpgradeDomain', 'RollbackDeploymentUpdateOrUpgrade', 'RebootRoleInstance', 'ReimageRoleInstance', 'RebuildRoleInstance', 'DeleteRoleInstances']:
    assert want in names, (want, names)
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    let out = python_output(&deps, &s, &served, &[script, &host, &sub, CSCFG]);
    check(out, "python");
    served.stop();
}

#[test]
fn node_sdk_manages_deployments() {
    let deps = deps();
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    bootstrap_pem(&s, &served);
    let sub = served.subscription();
    let script = r#"
const fs = require('fs');
const common = require('azure-common');
const compute = require('azure-asm-compute');
const [url, sub, cscfg] = process.argv.slice(1);
const c = compute.createComputeManagementClient(new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync('bootstrap.pem', 'utf8') }), url);
c.longRunningOperationInitialTimeout = 0; c.longRunningOperationRetryTimeout = 1;
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
(async () => {
  await p(cb => c.hostedServices.create({ serviceName: 'nodedep', label: 'l', location: 'West US' }, cb));
  const created = await p(cb => c.deployments.create('nodedep', 'Production', { name: 'nd1', packageUri: 'https://a.blob.core.windows.net/p/app.cspkg', label: 'node v1', configuration: cscfg, startDeployment: true }, cb));
  if (created.status !== 'Succeeded') throw new Error('create: ' + JSON.stringify(created));
  const d = await p(cb => c.deployments.getBySlot('nodedep', 'Production', cb));
  if (d.name !== 'nd1' || d.deploymentSlot !== 'Production' || d.status !== 'Running' || d.label !== 'node v1' || d.roleInstances.length !== 3 || d.configuration !== cscfg) throw new Error('get: ' + JSON.stringify(d));
  const byName = await p(cb => c.deployments.getByName('nodedep', 'nd1', cb));
  if (byName.privateId !== d.privateId) throw new Error('byName: ' + JSON.stringify(byName));
  const st = await p(cb => c.deployments.updateStatusByDeploymentName('nodedep', 'nd1', { status: 'Suspended' }, cb));
  if (st.status !== 'Succeeded') throw new Error('status: ' + JSON.stringify(st));
  const d2 = await p(cb => c.deployments.getByName('nodedep', 'nd1', cb));
  if (d2.status !== 'Suspended') throw new Error('suspended: ' + d2.status);
  try { await p(cb => c.deployments.getBySlot('nodedep', 'Staging', cb)); throw new Error('expected 404'); }
  catch (e) { if (e.statusCode !== 404 || e.code !== 'ResourceNotFound') throw e; }
  const del = await p(cb => c.deployments.deleteByName('nodedep', 'nd1', true, cb));
  if (del.status !== 'Succeeded') throw new Error('delete: ' + JSON.stringify(del));
  const h = await p(cb => c.hostedServices.getDetailed('nodedep', cb));
  if (h.deployments.length !== 0) throw new Error('detailed: ' + JSON.stringify(h));
  await p(cb => c.hostedServices.deleteMethod('nodedep', cb));
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e, JSON.stringify(e)); process.exit(1); });
"#;
    let out = node_output(&deps, &s, &served, &[script, &served.api_url, &sub, CSCFG]);
    check(out, "node");
    served.stop();
}
