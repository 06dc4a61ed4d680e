import { isReadOnlyCall } from '../../../lambda/read/cloudtrail-record';
import { cloudTrailRecord } from '../../../scripts/cloudtrail-factory';

describe('Function: isReadOnlyCall', () => {
  it.each([
    [true, 'UpdateChannel', true],
    ['true', 'UpdateChannel', true],
    [false, 'DescribeChannel', false],
    ['false', 'ListChannels', false],
    [undefined, 'GetChannelPolicy', true],
    [undefined, 'DescribeOriginEndpoint', true],
    [undefined, 'ListAssets', true],
    [undefined, 'HeadObject', true],
    [undefined, 'PutChannelPolicy', false],
    [undefined, 'ResetOriginEndpointState', false],
  ] as const)('with readOnly %p and eventName %s returns %p', (readOnly, eventName, expected) => {
    // Prepare
    const record = cloudTrailRecord({ readOnly, eventName });

    // Act
    const result = isReadOnlyCall(record);

    // Assess
    expect(result).toBe(expected);
  });
});
