export { WebModule } from './web.module';
export { loadWebConfig, type WebConfig } from './web-config';
