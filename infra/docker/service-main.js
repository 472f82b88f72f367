'use strict';
// The one image's entry point: runs the compiled main of the service the image was built for
// (RESOLVE_SERVICE, from the Dockerfile's SERVICE build argument), in this same process so the
// service stays PID 1 and receives the container's signals itself.
const path = require('node:path');

const services = ['api', 'worker', 'notifier'];
const service = process.env.RESOLVE_SERVICE;
if (!services.includes(service)) {
  console.error(`RESOLVE_SERVICE must be one of ${services.join(', ')}; got "${service ?? ''}"`);
  process.exit(1);
}
require(path.join(__dirname, '..', '..', 'dist', 'services', service, 'src', 'main.js'));
