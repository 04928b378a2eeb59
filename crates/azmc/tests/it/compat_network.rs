//! The real legacy clients drive reserved IP addresses against a running `azmc serve`: the
//! Python `azure-servicemanagement-legacy` SDK and the Node `azure-asm-network` SDK (the
//! one the classic xplat CLI pins, from its install), with the exact calls they make
//! (installed by `scripts/test-deps.sh` into `.test-deps/`; a missing client is a failure).

use super::Sandbox;
use super::legacy::{check, node_output, python_output};
use super::server::{Served, bootstrap_pem};
use std::path::PathBuf;

fn deps() -> PathBuf {
    let deps = super::legacy::deps(&["azure-asm-compute"]);
    assert!(
        deps.join("azcli/node_modules/azure-asm-network").exists(),
        "azure-asm-network (with the classic CLI) is not installed in {}: run scripts/test-deps.sh",
        deps.display()
    );
    deps
}

/// A running server whose asynchronous operations stay InProgress for a moment, so the
/// clients' polling is exercised.
fn served() -> (Sandbox, Served) {
    let s = Sandbox::new();
    let served = Served::start(&s, &[("AZMC_ASYNC_DELAY_MS", "200")], &[]);
    bootstrap_pem(&s, &served);
    (s, served)
}

const CSCFG: &str = r#"<?xml version="1.0" encoding="utf-8"?><ServiceConfiguration serviceName="app" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration"><Role name="Web"><Instances count="1" /></Role></ServiceConfiguration>"#;

#[test]
fn python_sdk_manages_reserved_ips() {
    let deps = deps();
    let (s, served) = served();
    let sub = served.subscription();
    let script = r#"
import sys, base64
from azure.servicemanagement import ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub, cscfg = sys.argv[1:4]
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
wait = lambda r: sms.wait_for_operation_status(r.request_id, timeout=5, sleep_interval=0.2)

assert len(sms.list_reserved_ip_addresses()) == 0
r = sms.create_reserved_ip_address('pyip', 'py label', 'West US')
assert sms.get_operation_status(r.request_id).status == 'InProgress'
assert sms.get_reserved_ip_address('pyip').state == 'Creating'
wait(r)
ip = sms.get_reserved_ip_address('PYIP')
assert ip.name == 'pyip' and ip.label == 'py label' and ip.location == 'West US' and ip.state == 'Created', vars(ip)
assert ip.in_use == False and not ip.service_name and not ip.deployment_name, vars(ip)
assert len(ip.address.split('.')) == 4 and len(ip.id) == 36, vars(ip)
try:
    sms.create_reserved_ip_address('PyIp', 'again', 'West US'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'ConflictError' in str(e), e
try:
    sms.create_reserved_ip_address('other', 'x', 'Atlantis'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'Location' in str(e), e
try:
    sms.create_reserved_ip_address('other', 'x'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'Location' in str(e), e
try:
    sms.get_reserved_ip_address('nosuch'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError as e:
    assert 'ResourceNotFound' in str(e), e
wait(sms.create_reserved_ip_address('pyip2', location='East US'))
ips = sms.list_reserved_ip_addresses()
assert [i.name for i in ips] == ['pyip', 'pyip2'] and not ips[1].label, [vars(i) for i in ips]
assert ips[0].address != ips[1].address

# Associate with a deployment in the same location (x-ms-version 2015-02-01), then back.
sms.create_hosted_service('pyripsvc', 'svc', location='West US')
wait(sms.create_deployment('pyripsvc', 'production', 'd1', 'https://a.blob.core.windows.net/p/app.cspkg', 'v1', base64.b64encode(cscfg.encode()).decode(), start_deployment=True))
try:
    sms.associate_reserved_ip_address('pyip2', 'pyripsvc', 'd1'); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'ServiceName' in str(e) and 'West US' in str(e), e
wait(sms.associate_reserved_ip_address('pyip', 'pyripsvc', 'd1'))
ip = sms.get_reserved_ip_address('pyip')
assert ip.in_use == True and ip.service_name == 'pyripsvc' and ip.deployment_name == 'd1', vars(ip)
try:
    sms.delete_reserved_ip_address('pyip'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'in use' in str(e), e
wait(sms.disassociate_reserved_ip_address('pyip', 'pyripsvc', 'd1'))
ip = sms.get_reserved_ip_address('pyip')
assert ip.in_use == False and not ip.service_name, vars(ip)

wait(sms.delete_reserved_ip_address('pyip'))
wait(sms.delete_reserved_ip_address('pyip2'))
try:
    sms.delete_reserved_ip_address('pyip'); raise SystemExit('expected 404')
except AzureMissingResourceHttpError:
    pass
assert len(sms.list_reserved_ip_addresses()) == 0
ops = sms.list_subscription_operations('2020-01-01', '2099-01-01').subscription_operations
names = set(o.operation_name for o in ops)
for want in ['CreateReservedIP', 'AssociateReservedIP', 'DisassociateReservedIP', 'DeleteReservedIP']:
    assert want in names, (want, names)
print('ok')
"#;
    let host = served.api_url.trim_start_matches("https://").to_string();
    let out = python_output(&deps, &s, &served, &[script, &host, &sub, CSCFG]);
    check(out, "python");
    served.stop();
}

#[test]
fn node_sdk_manages_reserved_ips() {
    let deps = deps();
    let (s, served) = served();
    let sub = served.subscription();
    let cli_modules = deps.join("azcli/node_modules");
    let script = r#"
const fs = require('fs');
const path = require('path');
const common = require('azure-common');
const compute = require('azure-asm-compute');
const [url, sub, cscfg, cliModules] = process.argv.slice(1);
const network = require(path.join(cliModules, 'azure-asm-network'));
const netCommon = require(path.join(cliModules, 'azure-common'));
const pem = fs.readFileSync('bootstrap.pem', 'utf8');
const n = network.createNetworkManagementClient(new netCommon.CertificateCloudCredentials({ subscriptionId: sub, pem }), url);
n.longRunningOperationInitialTimeout = 0; n.longRunningOperationRetryTimeout = 1;
const c = compute.createComputeManagementClient(new common.CertificateCloudCredentials({ subscriptionId: sub, pem }), url);
c.longRunningOperationInitialTimeout = 0; c.longRunningOperationRetryTimeout = 1;
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
const fails = async (f, status, code) => {
  try { await p(f); } catch (e) { if (e.statusCode === status && e.code === code) return e; throw e; }
  throw new Error('expected ' + status);
};
const check = (ok, what, v) => { if (!ok) throw new Error(what + ': ' + JSON.stringify(v)); };
(async () => {
  const made = await p(cb => n.reservedIPs.create({ name: 'nodeip', label: 'node label', location: 'West US' }, cb));
  check(made.status === 'Succeeded', 'create', made);
  const ip = await p(cb => n.reservedIPs.get('nodeip', cb));
  check(ip.name === 'nodeip' && ip.label === 'node label' && ip.location === 'West US' && ip.state === 'Created' && !ip.inUse && ip.address.split('.').length === 4, 'get', ip);
  await fails(cb => n.reservedIPs.create({ name: 'NODEIP', location: 'West US' }, cb), 409, 'ConflictError');
  await fails(cb => n.reservedIPs.get('nosuch', cb), 404, 'ResourceNotFound');
  await fails(cb => n.reservedIPs.create({ name: 'x', location: 'Atlantis' }, cb), 400, 'BadRequest');
  const list = await p(cb => n.reservedIPs.list(cb));
  check(list.reservedIPs.length === 1 && list.reservedIPs[0].address === ip.address, 'list', list);

  await p(cb => c.hostedServices.create({ serviceName: 'noderipsvc', label: 'l', location: 'West US' }, cb));
  const dep = await p(cb => c.deployments.create('noderipsvc', 'Production', { name: 'nd1', packageUri: 'https://a.blob.core.windows.net/p/app.cspkg', label: 'v1', configuration: cscfg, startDeployment: true }, cb));
  check(dep.status === 'Succeeded', 'deployment', dep);
  const a = await p(cb => n.reservedIPs.associate('nodeip', { serviceName: 'noderipsvc', deploymentName: 'nd1' }, cb));
  check(a.status === 'Succeeded', 'associate', a);
  const used = await p(cb => n.reservedIPs.get('nodeip', cb));
  check(used.inUse === true && used.serviceName === 'noderipsvc' && used.deploymentName === 'nd1', 'in use', used);
  await fails(cb => n.reservedIPs.beginDeleting('nodeip', cb), 409, 'ConflictError');
  const d = await p(cb => n.reservedIPs.disassociate('nodeip', { serviceName: 'noderipsvc', deploymentName: 'nd1' }, cb));
  check(d.status === 'Succeeded', 'disassociate', d);
  check(!(await p(cb => n.reservedIPs.get('nodeip', cb))).inUse, 'free', null);
  const del = await p(cb => n.reservedIPs.deleteMethod('nodeip', cb));
  check(del.status === 'Succeeded', 'delete', del);
  await fails(cb => n.reservedIPs.get('nodeip', cb), 404, 'ResourceNotFound');
  check((await p(cb => n.reservedIPs.list(cb))).reservedIPs.length === 0, 'empty', null);
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e, JSON.stringify(e)); process.exit(1); });
"#;
    let out = node_output(
        &deps,
        &s,
        &served,
        &[
            script,
            &served.api_url,
            &sub,
            CSCFG,
            cli_modules.to_str().unwrap(),
        ],
    );
    check(out, "node");
    served.stop();
}
