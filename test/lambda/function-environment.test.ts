import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_RULES_FILE, FUNCTION_ENV, MediaPackageAuditError } from '../../lambda/contract';
import { FunctionEnvironment, FunctionEnvironmentError } from '../../lambda/function-environment';
import { DEFAULT_RULES, RulesValidationError } from '../../lambda/match/rules-schema';
import { TOPIC_ARN } from '../support/aws-doubles';

describe('Class: FunctionEnvironment', () => {
  describe('alertTopicArn', () => {
    it('returns the topic the stack set', () => {
      // Act
      const topicArn = new FunctionEnvironment({ ALERT_TOPIC_ARN: TOPIC_ARN }).alertTopicArn;

      // Assess
      expect(topicArn).toBe(TOPIC_ARN);
    });

    it.each([[{}], [{ ALERT_TOPIC_ARN: '' }]])(
      'names the variable when it is missing: %p',
      (env) => {
        // Act
        const read = (): string => new FunctionEnvironment(env).alertTopicArn;

        // Assess
        expect(read).toThrow(
          new FunctionEnvironmentError(
            'ALERT_TOPIC_ARN',
            'ALERT_TOPIC_ARN must be set to the ARN of the alert topic',
          ),
        );
      },
    );

    it('refuses a value that is not an ARN, quoting it', () => {
      // Act
      const read = (): string | undefined =>
        new FunctionEnvironment({ ALERT_TOPIC_ARN: 'alerts' }).alertTopicArnIfSet;

      // Assess
      expect(read).toThrow(
        "ALERT_TOPIC_ARN must be set to the ARN of the alert topic; got 'alerts'",
      );
    });

    it('is optional for a dry run', () => {
      // Act
      const topicArn = new FunctionEnvironment({}).alertTopicArnIfSet;

      // Assess
      expect(topicArn).toBeUndefined();
    });
  });

  describe('idempotency', () => {
    it.each([
      [{ IDEMPOTENCY_TABLE_NAME: 't' }, { tableName: 't', expiresAfterSeconds: 1_296_000 }],
      [
        { IDEMPOTENCY_TABLE_NAME: 't', IDEMPOTENCY_TTL_SECONDS: '60' },
        { tableName: 't', expiresAfterSeconds: 60 },
      ],
      [
        { IDEMPOTENCY_TABLE_NAME: 't', IDEMPOTENCY_TTL_SECONDS: '-5' },
        { tableName: 't', expiresAfterSeconds: 1_296_000 },
      ],
      [{ IDEMPOTENCY_TTL_SECONDS: '60' }, undefined],
      [{ IDEMPOTENCY_TABLE_NAME: '' }, undefined],
    ])('with %p is %p', (env, expected) => {
      // Act
      const settings = new FunctionEnvironment(env).idempotency;

      // Assess
      expect(settings).toEqual(expected);
    });
  });

  describe('maxInflatedBytes', () => {
    it('reads the bytes the stack set, else 2 GiB', () => {
      // Act
      const set = new FunctionEnvironment({ MP_AUDIT_MAX_INFLATED_BYTES: '1048576' });
      const unset = new FunctionEnvironment({});

      // Assess
      expect(set.maxInflatedBytes).toBe(1_048_576);
      expect(unset.maxInflatedBytes).toBe(2048 * 1024 * 1024);
    });

    it.each(['0', '-1', '1.5', 'lots', '1e400'])('names the variable for %p', (raw) => {
      // Act
      const read = (): number =>
        new FunctionEnvironment({ MP_AUDIT_MAX_INFLATED_BYTES: raw }).maxInflatedBytes;

      // Assess
      expect(read).toThrow(
        `MP_AUDIT_MAX_INFLATED_BYTES must be a positive whole number of bytes; got '${raw}'`,
      );
    });
  });

  describe('ownResources', () => {
    it('adds the function itself and its topic to what the stack declared', () => {
      // Prepare
      const env = {
        MP_AUDIT_OWN_RESOURCES: JSON.stringify({ bucketNames: ['logs'], kmsKeys: ['k'] }),
        AWS_LAMBDA_FUNCTION_NAME: 'audit-fn',
        ALERT_TOPIC_ARN: TOPIC_ARN,
      };

      // Act
      const own = new FunctionEnvironment(env).ownResources;

      // Assess
      expect(own).toEqual({
        bucketNames: ['logs'],
        functionNames: ['audit-fn'],
        topicArns: [TOPIC_ARN],
        kmsKeys: ['k'],
      });
    });

    it('returns empty lists when nothing is set', () => {
      // Act
      const own = new FunctionEnvironment({}).ownResources;

      // Assess
      expect(own).toEqual({ bucketNames: [], functionNames: [], topicArns: [], kmsKeys: [] });
    });

    it('keeps functions the stack declared before the function itself', () => {
      // Prepare
      const env = {
        MP_AUDIT_OWN_RESOURCES: JSON.stringify({ functionNames: ['mp-audit-helper'] }),
        AWS_LAMBDA_FUNCTION_NAME: 'audit-fn',
      };

      // Act
      const own = new FunctionEnvironment(env).ownResources;

      // Assess
      expect(own.functionNames).toEqual(['mp-audit-helper', 'audit-fn']);
    });

    it('names the variable when it is not JSON, keeping the parse error as the cause', () => {
      // Act
      let thrown: unknown;
      try {
        void new FunctionEnvironment({ MP_AUDIT_OWN_RESOURCES: '{bucketNames' }).ownResources;
      } catch (error) {
        thrown = error;
      }

      // Assess
      expect(thrown).toBeInstanceOf(FunctionEnvironmentError);
      expect(thrown).toBeInstanceOf(MediaPackageAuditError);
      expect((thrown as FunctionEnvironmentError).variable).toBe(FUNCTION_ENV.ownResources);
      expect((thrown as Error).cause).toBeInstanceOf(SyntaxError);
    });
  });

  describe('rules', () => {
    it('uses MP_AUDIT_RULES when set, else the defaults', () => {
      // Prepare
      const local = { version: 1, alertOnFailed: false };

      // Act
      const fromLocal = new FunctionEnvironment({ MP_AUDIT_RULES: JSON.stringify(local) }).rules;
      const fromDefault = new FunctionEnvironment({}).rules;

      // Assess
      expect(fromLocal.alertOnFailed).toBe(false);
      expect(fromDefault.alertOnFailed).toBe(true);
      expect(fromDefault).toEqual(DEFAULT_RULES);
    });

    describe('the rules file deployed with the code', () => {
      let codeDirectory: string;
      beforeEach(() => {
        codeDirectory = mkdtempSync(join(tmpdir(), 'mp-audit-code-'));
      });
      afterEach(() => rmSync(codeDirectory, { recursive: true, force: true }));

      it('reads it when MP_AUDIT_RULES is not set, and MP_AUDIT_RULES still wins', () => {
        // Prepare
        writeFileSync(
          join(codeDirectory, BUNDLED_RULES_FILE),
          JSON.stringify({ version: 1, alertOnFailed: false }),
        );
        const local = JSON.stringify({ version: 1, alertOnReadOnly: true });

        // Act
        const deployed = new FunctionEnvironment({}, codeDirectory).rules;
        const overridden = new FunctionEnvironment({ MP_AUDIT_RULES: local }, codeDirectory).rules;

        // Assess
        expect(deployed.alertOnFailed).toBe(false);
        expect(overridden.alertOnFailed).toBe(true);
        expect(overridden.alertOnReadOnly).toBe(true);
      });

      it('names the file when its rules are invalid', () => {
        // Prepare
        writeFileSync(join(codeDirectory, BUNDLED_RULES_FILE), '{"version": 2}');

        // Act
        const read = (): unknown => new FunctionEnvironment({}, codeDirectory).rules;

        // Assess
        expect(read).toThrow(RulesValidationError);
        expect(read).toThrow(/rules deployed with the code \(rules\.json\)/);
      });
    });

    it('names MP_AUDIT_RULES as the source of invalid rules', () => {
      // Act
      const read = (): unknown => new FunctionEnvironment({ MP_AUDIT_RULES: '{' }).rules;

      // Assess
      expect(read).toThrow(RulesValidationError);
      expect(read).toThrow(/^MP_AUDIT_RULES: invalid rules:/);
    });
  });

  describe('fastPathRegions', () => {
    it('reads the Regions whose calls arrive through EventBridge, and none when unset', () => {
      // Act
      const regions = new FunctionEnvironment({
        MP_AUDIT_FAST_PATH_REGIONS: 'us-west-2, eu-west-1,ap-southeast-4',
      }).fastPathRegions;
      // Assess
      expect([...(regions ?? [])]).toEqual(['us-west-2', 'eu-west-1', 'ap-southeast-4']);
      expect(new FunctionEnvironment({}).fastPathRegions).toBeUndefined();
    });

    it('names the variable when a Region is not one', () => {
      // Act
      const read = (): unknown =>
        new FunctionEnvironment({ MP_AUDIT_FAST_PATH_REGIONS: 'us-west-2,${Token[AWS.Region]}' })
          .fastPathRegions;
      // Assess
      expect(read).toThrow(FunctionEnvironmentError);
      expect(read).toThrow(/^MP_AUDIT_FAST_PATH_REGIONS must be Region names separated by commas/);
    });
  });

  describe('s3ForcePathStyle', () => {
    it.each([
      [{ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566' }, true],
      [{ AWS_ENDPOINT_URL: 'http://localhost:4566' }, true],
      [{ AWS_ENDPOINT_URL_S3: 'http://[::1]:9000' }, true],
      [{ MP_AUDIT_S3_FORCE_PATH_STYLE: 'true' }, true],
      [{}, false],
      [{ AWS_ENDPOINT_URL_S3: '' }, false],
      [{ AWS_ENDPOINT_URL_S3: 'https://s3.us-west-2.amazonaws.com' }, false],
      [{ AWS_ENDPOINT_URL_S3: 'not a url' }, false],
    ])('with %p is %p', (env, expected) => {
      // Act
      const result = new FunctionEnvironment(env).s3ForcePathStyle;

      // Assess
      expect(result).toBe(expected);
    });
  });
});
