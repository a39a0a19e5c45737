// The worker's workflow bundle entry point.
export { subscriptionWorkflow } from './subscription';
export { deliveryWorkflow } from './delivery';
export { inboxWorkflow } from './inbox';
export { erasureWorkflow } from './erasure';
