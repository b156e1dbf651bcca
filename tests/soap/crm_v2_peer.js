// An independent SOAP server: node-soap hosting fixtures/soap/crm-v2.wsdl over the reference
// bank's customers. Prints "LISTENING <port>" once it accepts connections on 127.0.0.1.
const fs = require('fs');
const http = require('http');
const path = require('path');
const soap = require('soap');

const fixtures = process.env.MAINBRIDGE_FIXTURES || path.join(__dirname, '..', '..', 'fixtures');
const wsdlPath = path.join(fixtures, 'soap', 'crm-v2.wsdl');
const customers = JSON.parse(fs.readFileSync(path.join(fixtures, 'bank', 'data', 'customers.json'), 'utf8'));
const byId = new Map(customers.map((c) => [c.customer_id, c]));

function record(c) {
  const contact = {};
  if (c.email) contact.emailAddress = c.email;
  if (c.phone) contact.mobilePhone = c.phone;
  const out = {
    customerNumber: c.customer_id,
    personName: { givenName: c.first_name, familyName: c.last_name },
    contact,
  };
  if (c.date_of_birth) out.dateOfBirth = c.date_of_birth;
  out.segment = c.segment.toUpperCase();
  out.countryCode = c.country;
  if (c.preferred_language) out.preferredLanguage = c.preferred_language;
  return out;
}

function fault(code, message) {
  return { Fault: { faultcode: 'soap:Client', faultstring: message,
    detail: { serviceFault: { errorCode: code, errorMessage: message } } } };
}

const service = {
  CustomerService: {
    CustomerServiceSoap: {
      getCustomer(args) {
        const c = byId.get(args.customerNumber);
        if (!c) throw fault('CUSTOMER_NOT_FOUND', `customer ${args.customerNumber} not found`);
        return { customer: record(c) };
      },
      searchCustomers(args) {
        const needle = String(args.nameContains).toLowerCase();
        const limit = Math.min(Number(args.maxResults || 25), 100);
        const hits = customers.filter((c) => `${c.first_name} ${c.last_name}`.toLowerCase().includes(needle));
        return { customer: hits.slice(0, limit).map(record) };
      },
    },
  },
};

const server = http.createServer((req, res) => { res.statusCode = 404; res.end(); });
server.listen(0, '127.0.0.1', () => {
  // Ready only once node-soap has loaded the WSDL and its imported XSD.
  soap.listen(server, { path: '/crm/v2', services: service, xml: fs.readFileSync(wsdlPath, 'utf8'),
    uri: wsdlPath, callback: (err) => {
      if (err) { process.stderr.write(`${err}\n`); process.exit(1); }
      process.stdout.write(`LISTENING ${server.address().port}\n`);
    } });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
