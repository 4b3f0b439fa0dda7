/** Metadata key on each function resource naming its handler; the local stack reads it.
 * (Its own module, so reading a template does not load aws-cdk-lib.) */
export const FUNCTION_METADATA_KEY = "backorder:function";
