package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ParseS3URL splits "s3://bucket/prefix/" into bucket and key prefix. A
// non-empty prefix always ends in "/": `--upload s3://b/reports` means the
// reports folder, not a file name prefix.
func ParseS3URL(dest string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(dest, "s3://")
	if !ok {
		return "", "", fmt.Errorf("upload destination %q is not an s3:// URL (want s3://bucket/prefix/)", dest)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("upload destination %q names no bucket (want s3://bucket/prefix/)", dest)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix, nil
}

// Upload puts body at dest+name with its content type and server-side
// encryption (SSE-S3, or SSE-KMS when Options.KMSKeyID is set) and returns
// the object's s3:// URL. The body is read into memory first: reports are
// small, and a seekable body lets the SDK sign it and retry.
func (c *Client) Upload(ctx context.Context, dest, name string, body io.Reader, contentType string) (string, error) {
	bucket, prefix, err := ParseS3URL(dest)
	if err != nil {
		return "", err
	}
	if name == "" || strings.HasSuffix(name, "/") {
		return "", fmt.Errorf("upload: no file name to put under %s", dest)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return "", fmt.Errorf("upload: read report: %w", err)
	}
	key := prefix + strings.TrimPrefix(name, "/")
	url := "s3://" + bucket + "/" + key
	in := &s3.PutObjectInput{
		Bucket:               awssdk.String(bucket),
		Key:                  awssdk.String(key),
		Body:                 bytes.NewReader(data),
		ContentLength:        awssdk.Int64(int64(len(data))),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	}
	if contentType != "" {
		in.ContentType = awssdk.String(contentType)
	}
	if k := c.opt.KMSKeyID; k != "" {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = awssdk.String(k)
	}
	t := c.opt.timeouts()
	t.call = t.upload // a report is sent whole: give the body its time
	cctx, cancel := bound(ctx, t.upload)
	defer cancel()
	_, err = c.s3Client().PutObject(cctx, in)
	// A bucket in another region answers 301 with its region in a header;
	// the engineer's default region is often not the reports bucket's, so
	// retry once there rather than fail.
	if region := bucketRegion(err); region != "" && region != c.cfg.Region {
		in.Body = bytes.NewReader(data)
		_, err = c.s3Client().PutObject(cctx, in, func(o *s3.Options) { o.Region = region })
	}
	if err != nil {
		return "", c.explain(timedOut(cctx, err, t), "s3:PutObject", url)
	}
	return url, nil
}

func bucketRegion(err error) string {
	var re *awshttp.ResponseError
	if err == nil || !errors.As(err, &re) || re.Response == nil {
		return ""
	}
	if code := re.HTTPStatusCode(); code != 301 && code != 400 {
		return ""
	}
	return re.Response.Header.Get("X-Amz-Bucket-Region")
}
