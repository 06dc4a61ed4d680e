export * from './alert-topic';
export * from './audit-function';
export * from './audit-trail';
export * from './config';
export * from './log-file-trigger';
export * from './mediapackage-audit-alerts';
export * from './mediapackage-audit-stack';
