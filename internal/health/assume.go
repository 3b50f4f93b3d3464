package health

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	// sessionName shows in the member account's CloudTrail as who checked.
	sessionName = "costlink-health-check"
	// sessionSeconds is STS's shortest session: one check needs no more.
	sessionSeconds = 900
)

// assumeRole assumes the target's role with the service's credentials and
// the organization's external ID, and returns the service's configuration
// with the role's credentials in place of its own.
func (c *Checker) assumeRole(ctx context.Context, t Target) (aws.Config, error) {
	out, err := c.sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(t.RoleARN),
		RoleSessionName: aws.String(sessionName),
		ExternalId:      aws.String(t.ExternalID),
		DurationSeconds: aws.Int32(sessionSeconds),
	})
	if err != nil {
		return aws.Config{}, err
	}
	creds := out.Credentials
	cfg := c.base.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(
		aws.ToString(creds.AccessKeyId), aws.ToString(creds.SecretAccessKey), aws.ToString(creds.SessionToken))
	return cfg, nil
}
