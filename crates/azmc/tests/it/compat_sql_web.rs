//! The real legacy clients drive SQL Database servers, their firewall rules and web sites
//! against a running `azmc serve`: the Python `azure-servicemanagement-legacy` SDK
//! (`SqlDatabaseManagementService`, `WebsiteManagementService`) and the Node
//! `azure-asm-sql` / `azure-asm-website` SDKs, with the exact calls they make (installed
//! by `scripts/test-deps.sh` into `.test-deps/`; a missing client is a failure).

use super::Sandbox;
use super::legacy::{check, node_output, python_output};
use super::server::{Served, bootstrap_pem, curl};
use std::path::PathBuf;

fn deps() -> PathBuf {
    super::legacy::deps(&["azure-asm-sql", "azure-asm-website"])
}

fn served() -> (Sandbox, Served) {
    let s = Sandbox::new();
    let served = Served::start(&s, &[], &[]);
    bootstrap_pem(&s, &served);
    (s, served)
}

fn python(deps: &std::path::Path, s: &Sandbox, served: &Served, script: &str) {
    let host = served.api_url.trim_start_matches("https://").to_string();
    let out = python_output(deps, s, served, &[script, &host, &served.subscription()]);
    check(out, "python");
}

fn node(deps: &std::path::Path, s: &Sandbox, served: &Served, script: &str) {
    let out = node_output(
        deps,
        s,
        served,
        &[script, &served.api_url, &served.subscription()],
    );
    check(out, "node");
}

#[test]
fn python_sdk_manages_sql_servers_and_firewall_rules() {
    let deps = deps();
    let (s, served) = served();
    let script = r#"
import sys
from azure.servicemanagement import SqlDatabaseManagementService, ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub = sys.argv[1:3]
sql = SqlDatabaseManagementService(sub, 'bootstrap.pem', host=host)
r = sql.create_server('azuredb', 'T5ii-B48x', 'West US')
name = r.server_name
assert len(name) == 10 and name.isalnum() and name == name.lower(), name
assert r.fully_qualified_domain_name == name + '.database.azmc.localhost', vars(r)
servers = sql.list_servers()
assert [x.name for x in servers] == [name], [vars(x) for x in servers]
srv = servers[0]
assert srv.administrator_login == 'azuredb' and srv.location == 'West US', vars(srv)
assert srv.fully_qualified_domain_name == name + '.database.azmc.localhost' and srv.version == '2.0', vars(srv)
def bad(f, field):
    try:
        f(); raise SystemExit('expected 400 naming ' + field)
    except AzureHttpError as e:
        assert e.status_code == 400 and field in str(e), e
bad(lambda: sql.create_server('admin', 'T5ii-B48x', 'West US'), 'AdministratorLogin')
bad(lambda: sql.create_server('azuredb', 'weakpass', 'West US'), 'AdministratorLoginPassword')
bad(lambda: sql.create_server('azuredb', 'T5ii-B48x', 'Mars'), 'Location')
bad(lambda: sql.set_server_admin_password(name, 'short'), 'AdministratorLoginPassword')
sql.set_server_admin_password(name, 'U6jj-C59y')
sql.create_firewall_rule(name, 'AllowAll', '192.168.144.0', '192.168.144.255')
sql.create_firewall_rule(name, 'Office', '10.0.0.1', '10.0.0.1')
try:
    sql.create_firewall_rule(name, 'allowall', '1.1.1.1', '1.1.1.1'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'ConflictError' in str(e), e
bad(lambda: sql.create_firewall_rule(name, 'Bad', '10.0.0.9', '10.0.0.1'), 'StartIPAddress')
bad(lambda: sql.create_firewall_rule(name, 'Bad', '10.0.0.1', 'ten'), 'EndIPAddress')
sql.update_firewall_rule(name, 'AllowAll', '192.168.116.0', '192.168.116.255')
rules = sql.list_firewall_rules(name)
by = {x.name: x for x in rules}
assert sorted(by) == ['AllowAll', 'Office'], sorted(by)
a = by['AllowAll']
assert a.start_ip_address == '192.168.116.0' and a.end_ip_address == '192.168.116.255', vars(a)
assert a.type == 'Microsoft.SqlAzure.FirewallRule' and a.state == 'Normal', vars(a)
assert a.self_link.endswith('/services/sqlservers/servers/%s/firewallrules/AllowAll' % name), a.self_link
assert a.parent_link.endswith('/services/sqlservers/servers/' + name), a.parent_link
sql.delete_firewall_rule(name, 'Office')
assert [x.name for x in sql.list_firewall_rules(name)] == ['AllowAll']
for f in (lambda: sql.delete_firewall_rule(name, 'Office'),
          lambda: sql.update_firewall_rule(name, 'Office', '1.1.1.1', '1.1.1.1'),
          lambda: sql.list_firewall_rules('nosuchsrvr'),
          lambda: sql.set_server_admin_password('nosuchsrvr', 'U6jj-C59y'),
          lambda: sql.delete_server('nosuchsrvr')):
    try:
        f(); raise SystemExit('expected 404')
    except AzureMissingResourceHttpError as e:
        assert 'ResourceNotFound' in str(e), e
sql.delete_server(name)
assert list(sql.list_servers()) == []
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
ops = sms.list_subscription_operations('2020-01-01', '2099-01-01').subscription_operations
names = [o.operation_name for o in ops]
for n in ('CreateServer', 'SetServerAdministratorPassword', 'CreateFirewallRule', 'UpdateFirewallRule', 'DeleteFirewallRule', 'DeleteServer'):
    assert n in names, (n, names)
created = [o for o in ops if o.operation_name == 'CreateServer']
# Real Azure reported 200 in the operation log for a create it answered 201 (2015 recordings),
# and named the object made, not the collection posted to.
ok = [o for o in created if o.operation_status.status == 'Succeeded']
assert len(ok) == 1 and ok[0].operation_status.http_status_code == 200, [vars(o.operation_status) for o in created]
assert ok[0].operation_object_id == '/%s/services/sqlservers/servers/%s' % (sub, name), ok[0].operation_object_id
assert any(o.operation_status.status == 'Failed' and o.operation_status.http_status_code == 400 for o in created)
conflict = [o for o in ops if o.operation_name == 'CreateFirewallRule' and o.operation_status.status == 'Failed']
assert any(o.operation_status.http_status_code == 409 for o in conflict), [vars(o.operation_status) for o in conflict]
assert all(o.operation_caller.subscription_certificate_thumbprint for o in ops)
print('ok')
"#;
    python(&deps, &s, &served, script);
    served.stop();
}

#[test]
fn python_sdk_manages_web_sites() {
    let deps = deps();
    let (s, served) = served();
    let script = r#"
import sys
from azure.servicemanagement import WebsiteManagementService, ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub = sys.argv[1:3]
ws = WebsiteManagementService(sub, 'bootstrap.pem', host=host)
spaces = ws.list_webspaces()
names = [w.name for w in spaces]
assert 'westuswebspace' in names and 'eastuswebspace' in names, names
east = [w for w in spaces if w.name == 'eastuswebspace'][0]
assert east.geo_region == 'East US' and east.plan == 'VirtualDedicatedPlan' and east.status == 'Ready' and east.subscription == sub, vars(east)
assert ws.get_webspace('eastuswebspace').geo_region == 'East US'
site = ws.create_site('eastuswebspace', 'PySite1', 'East US', ['pysite1.azurewebsites.net'])
assert site.name == 'PySite1' and site.state == 'Running' and site.web_space == 'eastuswebspace', vars(site)
assert list(site.host_names) == ['pysite1.azurewebsites.azmc.localhost'], list(site.host_names)
assert 'pysite1.scm.azurewebsites.azmc.localhost' in list(site.enabled_host_names)
assert site.compute_mode == 'Shared' and site.site_mode == 'Limited' and site.enabled == True, vars(site)
assert [h.name for h in site.host_name_ssl_states] == list(site.enabled_host_names)
got = ws.get_site('eastuswebspace', 'pysite1')
assert got.name == 'PySite1' and got.self_link.endswith('/webspaces/eastuswebspace/sites/PySite1'), vars(got)
assert [x.name for x in ws.list_sites('eastuswebspace')] == ['PySite1']
assert list(ws.list_sites('westuswebspace')) == []
try:
    ws.create_site('westuswebspace', 'pysite1', 'West US', ['pysite1.azurewebsites.net']); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert '<Code>Conflict</Code>' in str(e) and '<ExtendedCode>54001</ExtendedCode>' in str(e), e
try:
    ws.create_site('eastuswebspace', 'bad_name', 'East US', []); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'Name' in str(e), e
try:
    ws.create_site('eastuswebspace', 'other', 'West US', []); raise SystemExit('expected 400')
except AzureHttpError as e:
    assert e.status_code == 400 and 'GeoRegion' in str(e), e
# the publish profile: as an object and as text; one random password per site, stable
prof = ws.get_publish_profile('eastuswebspace', 'PySite1')
web, ftp = list(prof.publish_profiles)
assert (web.publish_method, ftp.publish_method) == ('MSDeploy', 'FTP'), vars(web)
assert web.user_name == '$PySite1' and ftp.user_name == 'PySite1\\$PySite1', (web.user_name, ftp.user_name)
assert web.msdeploysite == 'PySite1' and web.publish_url == 'pysite1.scm.azurewebsites.azmc.localhost:443', vars(web)
assert web.destination_app_url == 'http://pysite1.azurewebsites.azmc.localhost', vars(web)
pw = web.user_pwd
assert len(pw) == 60 and pw.isalnum() and ftp.user_pwd == pw, pw
text = ws.get_publish_profile_xml('eastuswebspace', 'pysite1')
assert text.startswith('<publishData><publishProfile ') and ('userPWD="%s"' % pw) in text, text
other = ws.create_site('eastuswebspace', 'PySite2', 'East US', ['pysite2.azurewebsites.net'])
assert list(ws.get_publish_profile('eastuswebspace', 'PySite2').publish_profiles)[0].user_pwd != pw
ws.delete_site('eastuswebspace', 'PySite2')
# the configuration (the SDK has no model for it: read and change it through its transport)
config_path = ws._get_sites_details_path('eastuswebspace', 'PySite1') + '/config'
body = ws._perform_get(config_path, None).body.decode('utf-8')
assert body.startswith('<SiteConfig xmlns="http://schemas.microsoft.com/windowsazure"'), body
assert '<PublishingUsername>$PySite1</PublishingUsername>' in body and '<PhpVersion>5.4</PhpVersion>' in body, body
ws._perform_put(config_path, '<SiteConfig xmlns="http://schemas.microsoft.com/windowsazure"><PhpVersion>5.6</PhpVersion><AppSettings><NameValuePair><Name>from</Name><Value>python</Value></NameValuePair></AppSettings></SiteConfig>')
body = ws._perform_get(config_path, None).body.decode('utf-8')
assert '<PhpVersion>5.6</PhpVersion>' in body and '<Name>from</Name><Value>python</Value>' in body, body
assert '<ManagedPipelineMode>Integrated</ManagedPipelineMode>' in body, body
assert list(ws.get_publish_profile('eastuswebspace', 'PySite1').publish_profiles)[0].user_pwd == pw
ws.restart_site('eastuswebspace', 'PySite1')
ws.update_site('eastuswebspace', 'PySite1', 'Stopped')
assert ws.get_site('eastuswebspace', 'PySite1').state == 'Stopped'
ws.delete_site('eastuswebspace', 'PySite1', delete_empty_server_farm=True, delete_metrics=True)
for f in (lambda: ws.get_site('eastuswebspace', 'PySite1'),
          lambda: ws.delete_site('eastuswebspace', 'PySite1'),
          lambda: ws.get_webspace('marswebspace'),
          lambda: ws.list_sites('marswebspace')):
    try:
        f(); raise SystemExit('expected 404')
    except AzureMissingResourceHttpError as e:
        assert '<Code>NotFound</Code>' in str(e) and '<ExtendedCode>04' in str(e), e
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
ops = sms.list_subscription_operations('2020-01-01', '2099-01-01').subscription_operations
names = [o.operation_name for o in ops]
for n in ('CreateSite', 'UpdateSite', 'DeleteSite', 'RestartSite', 'UpdateSiteConfig'):
    assert n in names, (n, names)
assert any(o.operation_name == 'CreateSite' and o.operation_status.http_status_code == 409 for o in ops)
print('ok')
"#;
    python(&deps, &s, &served, script);
    served.stop();
}

#[test]
fn node_sdks_manage_sql_servers_and_web_sites() {
    let deps = deps();
    let (s, served) = served();
    let script = r#"
const fs = require('fs');
const common = require('azure-common');
const sqlSdk = require('azure-asm-sql');
const webSdk = require('azure-asm-website');
const [url, sub] = process.argv.slice(1);
const creds = new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync('bootstrap.pem', 'utf8') });
const sql = sqlSdk.createSqlManagementClient(creds, url);
const web = webSdk.createWebSiteManagementClient(creds, url);
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
// A body-less PUT through azure-common waits for the caller to end the request stream.
const pEnded = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)).end());
const expectErr = async (f, status, code) => {
  try { await p(f); } catch (e) {
    if (e.statusCode !== status || e.code !== code) throw new Error('expected ' + status + ' ' + code + ', got ' + e.statusCode + ' ' + e.code + ': ' + e.message);
    return e;
  }
  throw new Error('expected ' + status);
};
(async () => {
  const created = await p(cb => sql.servers.create({ administratorUserName: 'nodeadmin', administratorPassword: 'N0de-Pass', location: 'West US', version: '12.0' }, cb));
  if (created.statusCode !== 201 || !created.requestId) throw new Error('create: ' + JSON.stringify(created));
  const list = await p(cb => sql.servers.list(cb));
  if (list.servers.length !== 1) throw new Error('list: ' + JSON.stringify(list));
  const srv = list.servers[0];
  if (srv.administratorUserName !== 'nodeadmin' || srv.location !== 'West US' || srv.version !== '12.0' || srv.state !== 'Ready' || srv.fullyQualifiedDomainName !== srv.name + '.database.azmc.localhost')
    throw new Error('server: ' + JSON.stringify(srv));
  const name = srv.name;
  // (the SDK reads the ServerName text; its FullyQualifiedDomainName attribute lookup never matches, live or here)
  if (created.serverName !== name) throw new Error('serverName: ' + JSON.stringify(created));
  const e = await expectErr(cb => sql.servers.create({ administratorUserName: 'sa', administratorPassword: 'N0de-Pass', location: 'West US' }, cb), 400, 'BadRequest');
  if (!/AdministratorLogin/.test(e.message)) throw e;
  const pw = await p(cb => sql.servers.changeAdministratorPassword(name, { newPassword: 'N3w-Passw0rd' }, cb));
  if (pw.statusCode !== 200) throw new Error('password: ' + pw.statusCode);
  const rule = await p(cb => sql.firewallRules.create(name, { name: 'NodeRule', startIPAddress: '10.1.0.0', endIPAddress: '10.1.0.255' }, cb));
  if (rule.statusCode !== 201 || rule.firewallRule.name !== 'NodeRule' || rule.firewallRule.startIPAddress !== '10.1.0.0' || rule.firewallRule.type !== 'Microsoft.SqlAzure.FirewallRule')
    throw new Error('rule create: ' + JSON.stringify(rule));
  await expectErr(cb => sql.firewallRules.create(name, { name: 'noderule', startIPAddress: '10.1.0.0', endIPAddress: '10.1.0.1' }, cb), 409, 'ConflictError');
  const upd = await p(cb => sql.firewallRules.update(name, 'NodeRule', { name: 'NodeRule', startIPAddress: '10.2.0.0', endIPAddress: '10.2.0.255' }, cb));
  if (upd.statusCode !== 200 || upd.firewallRule.endIPAddress !== '10.2.0.255') throw new Error('rule update: ' + JSON.stringify(upd));
  const got = await p(cb => sql.firewallRules.get(name, 'NodeRule', cb));
  if (got.firewallRule.startIPAddress !== '10.2.0.0' || got.firewallRule.state !== 'Normal') throw new Error('rule get: ' + JSON.stringify(got));
  const rules = await p(cb => sql.firewallRules.list(name, cb));
  if (rules.firewallRules.length !== 1 || rules.firewallRules[0].name !== 'NodeRule') throw new Error('rules: ' + JSON.stringify(rules));
  const del = await p(cb => sql.firewallRules.deleteMethod(name, 'NodeRule', cb));
  if (del.statusCode !== 200) throw new Error('rule delete: ' + del.statusCode);
  await expectErr(cb => sql.firewallRules.get(name, 'NodeRule', cb), 404, 'ResourceNotFound');
  const sdel = await p(cb => sql.servers.deleteMethod(name, cb));
  if (sdel.statusCode !== 200) throw new Error('server delete: ' + sdel.statusCode);
  await expectErr(cb => sql.servers.deleteMethod(name, cb), 404, 'ResourceNotFound');
  if ((await p(cb => sql.servers.list(cb))).servers.length !== 0) throw new Error('servers left');

  const reg = await pEnded(cb => web.registerSubscription(cb));
  if (reg.statusCode !== 202) throw new Error('register: ' + reg.statusCode);
  const spaces = await p(cb => web.webSpaces.list(cb));
  const west = spaces.webSpaces.find(w => w.name === 'westuswebspace');
  if (!west || west.geoRegion !== 'West US' || west.plan !== 'VirtualDedicatedPlan' || west.subscription !== sub) throw new Error('webspaces: ' + JSON.stringify(spaces));
  const site = await p(cb => web.webSites.create('westuswebspace', { name: 'node-site', serverFarm: 'Default1', webSpace: { name: 'westuswebspace', geoRegion: 'West US', plan: 'VirtualDedicatedPlan' } }, cb));
  if (site.statusCode !== 200 || site.webSite.name !== 'node-site' || site.webSite.hostNames[0] !== 'node-site.azurewebsites.azmc.localhost')
    throw new Error('site create: ' + JSON.stringify(site));
  await expectErr(cb => web.webSites.create('westuswebspace', { name: 'NODE-SITE', serverFarm: 'Default1' }, cb), 409, 'Conflict');
  const gs = await p(cb => web.webSites.get('westuswebspace', 'node-site', cb));
  if (gs.webSite.state !== 'Running' || gs.webSite.serverFarm !== 'Default1') throw new Error('site get: ' + JSON.stringify(gs));
  // configuration (JSON both ways): defaults, a partial update, what is kept
  const cfg = await p(cb => web.webSites.getConfiguration('westuswebspace', 'node-site', cb));
  if (cfg.statusCode !== 200 || cfg.publishingUserName !== '$node-site' || cfg.managedPipelineMode !== 'Integrated' || cfg.numberOfWorkers !== 1
      || cfg.webSocketsEnabled !== false || !cfg.defaultDocuments.includes('index.html') || cfg.connectionStrings.length !== 0)
    throw new Error('config: ' + JSON.stringify(cfg));
  const upc = await p(cb => web.webSites.updateConfiguration('westuswebspace', 'node-site', { appSettings: { mode: 'node' }, connectionStrings: [{ name: 'db', connectionString: 'Server=x;Password=N0de-Secret', type: 2 }], webSocketsEnabled: true }, cb));
  if (upc.statusCode !== 200) throw new Error('config update: ' + JSON.stringify(upc));
  const cfg2 = await p(cb => web.webSites.getConfiguration('westuswebspace', 'node-site', cb));
  if (cfg2.appSettings.mode !== 'node' || cfg2.connectionStrings.length !== 1 || cfg2.connectionStrings[0].connectionString !== 'Server=x;Password=N0de-Secret'
      || cfg2.connectionStrings[0].type !== 2 || cfg2.webSocketsEnabled !== true || cfg2.managedPipelineMode !== 'Integrated' || cfg2.phpVersion !== cfg.phpVersion)
    throw new Error('config after update: ' + JSON.stringify(cfg2));
  await expectErr(cb => web.webSites.updateConfiguration('westuswebspace', 'node-site', { numberOfWorkers: 0 }, cb), 400, 'BadRequest');
  await expectErr(cb => web.webSites.getConfiguration('westuswebspace', 'no-such-site', cb), 404, 'NotFound');
  // publish profile: two profiles, one password, stable
  const pub = await p(cb => web.webSites.getPublishProfile('westuswebspace', 'node-site', cb));
  const [wd, ftp] = pub.publishProfiles;
  if (pub.statusCode !== 200 || pub.publishProfiles.length !== 2 || wd.publishMethod !== 'MSDeploy' || ftp.publishMethod !== 'FTP' || wd.userName !== '$node-site'
      || wd.mSDeploySite !== 'node-site' || wd.userPassword.length !== 60 || ftp.userPassword !== wd.userPassword)
    throw new Error('publish profile: ' + JSON.stringify(pub));
  const pub2 = await p(cb => web.webSites.getPublishProfile('westuswebspace', 'node-site', cb));
  if (pub2.publishProfiles[0].userPassword !== wd.userPassword) throw new Error('publish password changed');
  const up = await p(cb => web.webSites.update('westuswebspace', 'node-site', { state: 'Stopped' }, cb));
  if (up.statusCode !== 200 || up.webSite.state !== 'Stopped') throw new Error('site update: ' + JSON.stringify(up));
  await expectErr(cb => web.webSites.update('westuswebspace', 'node-site', { state: 'Paused' }, cb), 400, 'BadRequest');
  const ls = await p(cb => web.webSpaces.listWebSites('westuswebspace', cb));
  if (ls.webSites.length !== 1) throw new Error('sites: ' + JSON.stringify(ls));
  const sd = await p(cb => web.webSites.deleteMethod('westuswebspace', 'node-site', { deleteEmptyServerFarm: false, deleteMetrics: true, deleteAllSlots: false }, cb));
  if (sd.statusCode !== 200) throw new Error('site delete: ' + sd.statusCode);
  await expectErr(cb => web.webSites.get('westuswebspace', 'node-site', cb), 404, 'NotFound');
  const unreg = await pEnded(cb => web.unregisterSubscription(cb));
  if (unreg.statusCode !== 202) throw new Error('unregister: ' + unreg.statusCode);
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e); process.exit(1); });
"#;
    node(&deps, &s, &served, script);
    // The registration calls are operations that completed at once.
    let pem = s.path("bootstrap.pem");
    let sub = served.subscription();
    let (code, body) = curl(
        &served,
        Some(&pem),
        "GET",
        &format!("/{sub}/operations?StartTime=2020-01-01T00:00:00Z&EndTime=2099-01-01T00:00:00Z"),
        None,
    );
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("<OperationName>RegisterResourceProvider</OperationName>"),
        "{body}"
    );
    assert!(!body.contains("InProgress"), "{body}");
    served.stop();
}

#[test]
fn python_sdk_manages_sql_databases_quotas_and_service_objectives() {
    let deps = deps();
    let (s, served) = served();
    let script = r#"
import sys
from azure.servicemanagement import SqlDatabaseManagementService, ServiceManagementService
from azure.common import AzureMissingResourceHttpError, AzureConflictHttpError, AzureHttpError
host, sub = sys.argv[1:3]
sql = SqlDatabaseManagementService(sub, 'bootstrap.pem', host=host)
name = sql.create_server('azuredb', 'T5ii-B48x', 'West US').server_name
slos = sql.list_service_level_objectives(name)
by = {o.name: o for o in slos}
for n in ('Basic', 'S0', 'S1', 'S2', 'P1', 'P2', 'P3', 'Shared', 'System'):
    assert n in by, (n, sorted(by))
basic = by['Basic']
assert basic.id == 'dd6d99bb-f193-4ec1-86f2-43d3bccbc49c', vars(basic)
assert basic.type == 'Microsoft.SqlAzure.ServiceObjective' and basic.state == 'Normal', vars(basic)
assert basic.enabled and not basic.is_system and basic.description, vars(basic)
assert by['System'].is_system and by['System'].id == '26e021db-f1f9-4c98-84c6-92af8ef433d7', vars(by['System'])
assert basic.self_link.endswith('/services/sqlservers/servers/%s/serviceobjectives/%s' % (name, basic.id)), basic.self_link
dbs = sql.list_databases(name)
assert [d.name for d in dbs] == ['master'], [vars(d) for d in dbs]
m = dbs[0]
assert m.is_system_object and m.edition == 'System' and m.id == 1 and m.max_size_bytes == 5368709120, vars(m)
sql.create_database(name, 'temp', basic.id, 'Basic')
sql.create_database(name, 'big', by['S1'].id, 'Standard', 'SQL_Latin1_General_CP1_CS_AS', 100 * 1024 ** 3)
dbs = {d.name: d for d in sql.list_databases(name)}
assert sorted(dbs) == ['big', 'master', 'temp'], sorted(dbs)
t = dbs['temp']
assert t.edition == 'Basic' and t.max_size_bytes == 2147483648 and t.id == 4, vars(t)
assert not t.is_system_object and not t.is_federation_root and t.type == 'Microsoft.SqlAzure.Database' and t.state == 'Normal', vars(t)
assert t.collation_name == 'SQL_Latin1_General_CP1_CI_AS' and t.creation_date.startswith('20'), vars(t)
assert t.parent_link.endswith('/services/sqlservers/servers/' + name), t.parent_link
b = dbs['big']
assert b.edition == 'Standard' and b.max_size_bytes == 100 * 1024 ** 3 and b.collation_name == 'SQL_Latin1_General_CP1_CS_AS', vars(b)
try:
    sql.create_database(name, 'TEMP', basic.id, 'Basic'); raise SystemExit('expected 409')
except AzureConflictHttpError as e:
    assert 'ConflictError' in str(e), e
def bad(f, field):
    try:
        f(); raise SystemExit('expected 400 naming ' + field)
    except AzureHttpError as e:
        assert e.status_code == 400 and field in str(e), e
bad(lambda: sql.create_database(name, 'x', by['P1'].id, 'Basic'), 'ServiceObjectiveId')
bad(lambda: sql.create_database(name, 'x', basic.id, 'Gold'), 'Edition')
bad(lambda: sql.create_database(name, 'x', basic.id, 'Basic', None, 5 * 1024 ** 3), 'MaxSizeGB')
bad(lambda: sql.create_database(name, 'a/b', basic.id, 'Basic'), 'Name')
sql.update_database(name, 'temp', new_database_name='temp2', service_objective_id=by['S2'].id, edition='Standard')
dbs = {d.name: d for d in sql.list_databases(name)}
assert sorted(dbs) == ['big', 'master', 'temp2'], sorted(dbs)
assert dbs['temp2'].edition == 'Standard' and dbs['temp2'].id == 4, vars(dbs['temp2'])
sql.update_database(name, 'big', max_size_bytes=250 * 1024 ** 3)
assert {d.name: d for d in sql.list_databases(name)}['big'].max_size_bytes == 250 * 1024 ** 3
bad(lambda: sql.update_database(name, 'big', max_size_bytes=500 * 1024 ** 3), 'MaxSizeGB')
sql.delete_database(name, 'temp2')
assert sorted(d.name for d in sql.list_databases(name)) == ['big', 'master']
quotas = sql.list_quotas(name)
assert [(q.name, q.value, q.type, q.state) for q in quotas] == [('server_dtu_quota', 2000, 'Microsoft.SqlAzure.ServerQuota', 'Normal')], [vars(q) for q in quotas]
for f in (lambda: sql.delete_database(name, 'temp2'),
          lambda: sql.update_database(name, 'temp2', edition='Basic'),
          lambda: sql.list_databases('nosuchsrvr'),
          lambda: sql.list_quotas('nosuchsrvr'),
          lambda: sql.list_service_level_objectives('nosuchsrvr'),
          lambda: sql.create_database('nosuchsrvr', 'x', basic.id, 'Basic')):
    try:
        f(); raise SystemExit('expected 404')
    except AzureMissingResourceHttpError as e:
        assert 'ResourceNotFound' in str(e), e
sql.delete_server(name)
sms = ServiceManagementService(sub, 'bootstrap.pem', host=host)
ops = sms.list_subscription_operations('2020-01-01', '2099-01-01').subscription_operations
names = [o.operation_name for o in ops]
for n in ('CreateDatabase', 'UpdateDatabase', 'DeleteDatabase'):
    assert n in names, (n, names)
ok = [o for o in ops if o.operation_name == 'CreateDatabase' and o.operation_status.status == 'Succeeded']
assert len(ok) == 2 and all(o.operation_status.http_status_code == 200 for o in ok), [vars(o.operation_status) for o in ok]
objects = sorted(o.operation_object_id for o in ok)
assert objects == ['/%s/services/sqlservers/servers/%s/databases/%s' % (sub, name, d) for d in ('big', 'temp')], objects
print('ok')
"#;
    python(&deps, &s, &served, script);
    served.stop();
}

#[test]
fn node_sdk_manages_sql_databases_quotas_and_service_objectives() {
    let deps = deps();
    let (s, served) = served();
    let script = r#"
const fs = require('fs');
const common = require('azure-common');
const sqlSdk = require('azure-asm-sql');
const [url, sub] = process.argv.slice(1);
const creds = new common.CertificateCloudCredentials({ subscriptionId: sub, pem: fs.readFileSync('bootstrap.pem', 'utf8') });
const sql = sqlSdk.createSqlManagementClient(creds, url);
const p = (f) => new Promise((res, rej) => f((e, r) => e ? rej(e) : res(r)));
const expectErr = async (f, status, code) => {
  try { await p(f); } catch (e) {
    if (e.statusCode !== status || e.code !== code) throw new Error('expected ' + status + ' ' + code + ', got ' + e.statusCode + ' ' + e.code + ': ' + e.message);
    return e;
  }
  throw new Error('expected ' + status);
};
const GB = 1024 * 1024 * 1024;
(async () => {
  const srv = (await p(cb => sql.servers.create({ administratorUserName: 'nodeadmin', administratorPassword: 'N0de-Pass', location: 'West US' }, cb))).serverName;
  const slos = (await p(cb => sql.serviceObjectives.list(srv, cb))).serviceObjectives;
  const slo = (n) => { const o = slos.find(x => x.name === n); if (!o) throw new Error('no ' + n + ': ' + JSON.stringify(slos)); return o; };
  const basic = slo('Basic'), s1 = slo('S1'), p1 = slo('P1');
  if (basic.id !== 'dd6d99bb-f193-4ec1-86f2-43d3bccbc49c' || basic.isSystem !== false || basic.enabled !== true || basic.type !== 'Microsoft.SqlAzure.ServiceObjective')
    throw new Error('basic: ' + JSON.stringify(basic));
  if (slo('System').isSystem !== true) throw new Error('system: ' + JSON.stringify(slo('System')));
  const so = await p(cb => sql.serviceObjectives.get(srv, s1.id, cb));
  if (so.statusCode !== 200 || so.serviceObjective.name !== 'S1' || so.serviceObjective.id !== s1.id) throw new Error('objective get: ' + JSON.stringify(so));
  await expectErr(cb => sql.serviceObjectives.get(srv, '00000000-0000-0000-0000-000000000000', cb), 404, 'ResourceNotFound');

  const created = await p(cb => sql.databases.create(srv, { name: 'nodedb', edition: 'Standard', maximumDatabaseSizeInGB: 10, serviceObjectiveId: s1.id }, cb));
  const d = created.database;
  if (created.statusCode !== 201 || d.name !== 'nodedb' || d.edition !== 'Standard' || d.maximumDatabaseSizeInGB !== 10 || d.maximumDatabaseSizeInBytes !== 10 * GB
      || d.serviceObjectiveId !== s1.id || d.assignedServiceObjectiveId !== s1.id || d.id !== 4 || d.isSystemObject !== false || d.type !== 'Microsoft.SqlAzure.Database'
      || !(d.creationDate instanceof Date) || isNaN(d.creationDate) || d.collationName !== 'SQL_Latin1_General_CP1_CI_AS')
    throw new Error('create: ' + JSON.stringify(created));
  await expectErr(cb => sql.databases.create(srv, { name: 'NODEDB', edition: 'Basic' }, cb), 409, 'ConflictError');
  let e = await expectErr(cb => sql.databases.create(srv, { name: 'x', edition: 'Gold' }, cb), 400, 'BadRequest');
  if (!/Edition/.test(e.message)) throw e;
  e = await expectErr(cb => sql.databases.create(srv, { name: 'x', edition: 'Basic', maximumDatabaseSizeInGB: 1, maximumDatabaseSizeInBytes: 2 * GB }, cb), 400, 'BadRequest');
  if (!/MaxSizeBytes/.test(e.message)) throw e;
  const list = await p(cb => sql.databases.list(srv, cb));
  if (list.statusCode !== 200 || list.databases.map(x => x.name).join() !== 'master,nodedb') throw new Error('list: ' + JSON.stringify(list));
  const master = list.databases[0];
  if (master.isSystemObject !== true || master.edition !== 'System' || master.id !== 1 || master.maximumDatabaseSizeInGB !== 5) throw new Error('master: ' + JSON.stringify(master));
  const got = await p(cb => sql.databases.get(srv, 'NodeDB', cb));
  if (got.statusCode !== 200 || got.database.name !== 'nodedb' || got.database.maximumDatabaseSizeInBytes !== 10 * GB) throw new Error('get: ' + JSON.stringify(got));
  const upd = await p(cb => sql.databases.update(srv, 'nodedb', { name: 'nodedb2', edition: 'Premium', maximumDatabaseSizeInGB: 500, serviceObjectiveId: p1.id }, cb));
  if (upd.statusCode !== 200 || upd.database.name !== 'nodedb2' || upd.database.edition !== 'Premium' || upd.database.maximumDatabaseSizeInGB !== 500 || upd.database.serviceObjectiveId !== p1.id)
    throw new Error('update: ' + JSON.stringify(upd));
  await expectErr(cb => sql.databases.get(srv, 'nodedb', cb), 404, 'ResourceNotFound');
  await expectErr(cb => sql.databases.update(srv, 'nodedb2', { edition: 'Basic', serviceObjectiveId: p1.id }, cb), 400, 'BadRequest');

  const q = await p(cb => sql.quotas.list(srv, cb));
  if (q.statusCode !== 200 || q.quotas.length !== 1 || q.quotas[0].name !== 'server_dtu_quota' || String(q.quotas[0].value) !== '2000' || q.quotas[0].type !== 'Microsoft.SqlAzure.ServerQuota')
    throw new Error('quotas: ' + JSON.stringify(q));
  await expectErr(cb => sql.quotas.list('nosuchsrvr', cb), 404, 'ResourceNotFound');

  const del = await p(cb => sql.databases.deleteMethod(srv, 'nodedb2', cb));
  if (del.statusCode !== 200) throw new Error('delete: ' + del.statusCode);
  await expectErr(cb => sql.databases.deleteMethod(srv, 'nodedb2', cb), 404, 'ResourceNotFound');
  await expectErr(cb => sql.databases.list('nosuchsrvr', cb), 404, 'ResourceNotFound');
  if ((await p(cb => sql.databases.list(srv, cb))).databases.length !== 1) throw new Error('databases left');
  const sdel = await p(cb => sql.servers.deleteMethod(srv, cb));
  if (sdel.statusCode !== 200) throw new Error('server delete: ' + sdel.statusCode);
  await expectErr(cb => sql.databases.get(srv, 'master', cb), 404, 'ResourceNotFound');
  console.log('ok');
})().catch(e => { console.error(e && e.stack || e); process.exit(1); });
"#;
    node(&deps, &s, &served, script);
    served.stop();
}
